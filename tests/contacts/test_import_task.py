"""The import through the real django-tasks-db backend and its worker command."""

import pytest
from django_tasks_db.models import DBTaskResult

from hushpost.contacts.csv_import import start_import
from hushpost.contacts.models import Contact, ImportStatus, OnDuplicate
from tests.contacts.importing import make_import, run_worker

# The worker commits in its own transactions, like a real worker process.
pytestmark = pytest.mark.django_db(transaction=True)


def test_a_started_import_is_queued_on_commit_and_run_by_the_worker(org_a, alice):
    contact_import = make_import(org_a, "Name,Mobile,E-mail\nJane,415 555 0100,\nBad,555-01,\n", user=alice, queued=False)
    assert start_import(contact_import, contact_import.mapping, OnDuplicate.REPORT)
    task = DBTaskResult.objects.get()
    assert task.task_path == "hushpost.contacts.tasks.import_contacts"
    assert task.args_kwargs["args"] == [contact_import.pk]

    run_worker()

    contact_import.refresh_from_db()
    assert contact_import.status == ImportStatus.DONE
    assert (contact_import.created_count, contact_import.rejected_count) == (1, 1)
    assert Contact.objects.get().phone == "+14155550100"
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL"


def test_starting_twice_queues_once(org_a):
    contact_import = make_import(org_a, "Name,Email\nJane,j@example.com\n", queued=False)
    assert start_import(contact_import, contact_import.mapping, OnDuplicate.REPORT)
    assert not start_import(contact_import, contact_import.mapping, OnDuplicate.UPDATE)
    assert DBTaskResult.objects.count() == 1
