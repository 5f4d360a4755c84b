"""The import through the real django-tasks-db backend and its worker command."""

import pytest
from django.db.models import F
from django_tasks_db.models import DBTaskResult

from hushpost.contacts.models import Contact, OnDuplicate
from hushpost.imports.models import ImportStatus
from hushpost.imports.pipeline import start_run
from tests.contacts.importing import Crash, crash_once_on_chunk, crash_test_file, make_import
from tests.worker_run import run_worker

# The worker commits in its own transactions, like a real worker process.
pytestmark = pytest.mark.django_db(transaction=True)


def test_a_started_import_is_queued_on_commit_and_run_by_the_worker(org_a, alice):
    contact_import = make_import(
        org_a, "Name,Mobile,E-mail\nJane,415 555 0100,\nBad,555-01,\n", user=alice, queued=False
    )
    assert start_run(contact_import, contact_import.mapping, {"on_duplicate": OnDuplicate.REPORT})
    task = DBTaskResult.objects.get()
    assert task.task_path == "hushpost.imports.tasks.run_import_task"
    assert task.args_kwargs["args"] == [str(contact_import.pk)]

    run_worker()

    contact_import.refresh_from_db()
    assert contact_import.status == ImportStatus.DONE
    assert (contact_import.added_count, contact_import.rejected_count) == (1, 1)
    assert Contact.objects.get().phone == "+14155550100"
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL"


def test_starting_twice_queues_once(org_a):
    contact_import = make_import(org_a, "Name,Email\nJane,j@example.com\n", queued=False)
    assert start_run(contact_import, contact_import.mapping, {"on_duplicate": OnDuplicate.REPORT})
    assert not start_run(
        contact_import, contact_import.mapping, {"on_duplicate": OnDuplicate.UPDATE}
    )
    assert DBTaskResult.objects.count() == 1


def test_an_import_whose_worker_died_is_resumed_by_the_scheduler_sweep(org_a, monkeypatch):
    from hushpost.imports import pipeline
    from hushpost.imports.models import ImportRun

    monkeypatch.setattr(pipeline, "CHUNK_SIZE", 5)
    contact_import = make_import(org_a, crash_test_file(), queued=False)
    start_run(contact_import, contact_import.mapping, {"on_duplicate": OnDuplicate.REPORT})
    with monkeypatch.context() as patch:
        crash_once_on_chunk(patch, 2)
        with pytest.raises(Crash):
            pipeline.run_import(contact_import.pk)
    DBTaskResult.objects.all().delete()  # the dead worker's task, left "running" by django-tasks-db

    assert pipeline.resume_stale_runs() == 0  # the heartbeat is still fresh
    ImportRun.objects.filter(pk=contact_import.pk).update(
        heartbeat_at=F("heartbeat_at") - pipeline.STALE_AFTER * 2
    )
    assert pipeline.resume_stale_runs() == 1
    run_worker()

    contact_import.refresh_from_db()
    assert contact_import.status == ImportStatus.DONE
    assert (
        contact_import.rows_done,
        contact_import.added_count,
        contact_import.rejected_count,
    ) == (17, 15, 2)
    assert Contact.objects.count() == 15
