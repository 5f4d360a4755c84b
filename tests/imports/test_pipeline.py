"""The import pipeline's engine: claims, chunks, heartbeats, resume after a crash, a record
that fails on its own, sweeps. Driven with contact CSV files; every kind runs the same engine."""

import logging

import pytest
import time_machine
from django.utils import timezone

from hushpost.activity.models import Event, EventKind
from hushpost.contacts.import_readers import ContactSettler
from hushpost.contacts.models import Contact
from hushpost.imports import pipeline
from hushpost.imports.models import ImportRow, ImportStatus
from hushpost.imports.pipeline import run_import
from tests.contacts.importing import (
    Crash,
    crash_once_on_chunk,
    crash_test_file,
    make_import,
    reasons_by_row,
)

pytestmark = pytest.mark.django_db


def imported(org, text, **options):
    run = make_import(org, text, **options)
    run_import(run.pk)
    run.refresh_from_db()
    return run


def test_it_resumes_after_a_crash_with_every_row_settled_once(org_a, monkeypatch):
    monkeypatch.setattr(pipeline, "CHUNK_SIZE", 5)
    crash_once_on_chunk(monkeypatch, 2)
    contact_import = make_import(org_a, crash_test_file())
    with time_machine.travel(timezone.now(), tick=False) as clock:
        with pytest.raises(Crash):
            run_import(contact_import.pk)
        contact_import.refresh_from_db()
        assert contact_import.status == ImportStatus.RUNNING
        assert (
            contact_import.rows_done,
            contact_import.added_count,
            contact_import.rejected_count,
        ) == (5, 4, 1)
        assert not Contact.objects.filter(name="Person 5").exists()

        run_import(contact_import.pk)  # the heartbeat is fresh: someone may still be working on it
        assert Contact.objects.count() == 4

        clock.shift(pipeline.STALE_AFTER.total_seconds() + 1)
        run_import(contact_import.pk)
    contact_import.refresh_from_db()
    assert contact_import.status == ImportStatus.DONE
    assert (
        contact_import.rows_done,
        contact_import.added_count,
        contact_import.rejected_count,
    ) == (17, 15, 2)
    contacts = sorted(
        int(name.split()[1]) + 2 for name in Contact.objects.values_list("name", flat=True)
    )
    rejected = sorted(contact_import.rows.filter(outcome="rejected").values_list("line", flat=True))
    assert sorted(contacts + rejected) == list(range(2, 19))
    assert reasons_by_row(contact_import)[14] == [
        "duplicate: row 3 of this file has the same email"
    ]
    assert Event.objects.filter(kind=EventKind.CONTACTS_IMPORTED).count() == 1


def test_a_record_that_fails_unexpectedly_is_reported_and_the_rest_imports(
    org_a, monkeypatch, caplog
):
    monkeypatch.setattr(pipeline, "CHUNK_SIZE", 5)
    real = ContactSettler.settle

    def settle(self, records):
        if any(record.line == 9 for record in records):
            # The message quotes a row, as a database error can.
            raise RuntimeError(f"boom on {records[0].values[0]} {records[0].values[2]}")
        return real(self, records)

    monkeypatch.setattr(ContactSettler, "settle", settle)
    contact_import = make_import(org_a, crash_test_file())
    with caplog.at_level(logging.DEBUG):
        run_import(contact_import.pk)
    contact_import.refresh_from_db()
    assert contact_import.status == ImportStatus.DONE
    assert reasons_by_row(contact_import)[9] == [
        "could not be stored because of an unexpected error (RuntimeError); "
        "the rest of the file was"
    ]
    # The chunk around it was rolled back and settled again one row at a time.
    assert (contact_import.rows_done, contact_import.added_count) == (17, 14)
    assert contact_import.rejected_count == 3 and Contact.objects.count() == 14
    assert not Contact.objects.filter(name="Person 7").exists()
    assert ImportRow.objects.filter(run=contact_import).count() == 17
    assert "p7@example.com" not in caplog.text and "Person" not in caplog.text


def test_an_error_outside_the_rows_fails_the_import_and_keeps_what_was_settled(org_a, monkeypatch):
    monkeypatch.setattr(pipeline, "CHUNK_SIZE", 5)
    real = pipeline._Engine.settle_chunk

    def settle_chunk(self, start, records):
        if start == 5:
            raise RuntimeError(f"boom on {records[2].values[0]}")
        return real(self, start, records)

    monkeypatch.setattr(pipeline._Engine, "settle_chunk", settle_chunk)
    contact_import = make_import(org_a, crash_test_file())
    run_import(contact_import.pk)
    contact_import.refresh_from_db()
    assert contact_import.status == ImportStatus.FAILED
    assert "RuntimeError" in contact_import.error and "boom" not in contact_import.error
    assert contact_import.rows_done == 5 and Contact.objects.count() == 4
    assert contact_import.content_encrypted == ""
    assert Event.objects.get(kind=EventKind.CONTACTS_IMPORTED).detail["status"] == "failed"


def test_it_logs_no_contact_data(org_a, caplog):
    with caplog.at_level(logging.DEBUG):
        imported(
            org_a,
            "Name,Phone,Email\n"
            "Jane Secret,555-01,jane@secret.example\nSam Secret,,sam@secret.example\n",
        )
    assert "Secret" not in caplog.text and "secret.example" not in caplog.text


def test_only_one_worker_can_claim_an_import(org_a):
    contact_import = make_import(org_a, "Name,Email\nJane,j@example.com\n")
    now = timezone.now()
    assert pipeline.claim(contact_import.pk, now) == now
    assert pipeline.claim(contact_import.pk, now) is None
    assert pipeline.claim(contact_import.pk, now + pipeline.STALE_AFTER / 2) is None
    later = now + pipeline.STALE_AFTER * 2
    assert pipeline.claim(contact_import.pk, later) == later


def test_finished_and_unmapped_imports_cannot_be_claimed(org_a):
    unmapped = make_import(org_a, "Name,Email\nJane,j@example.com\n", queued=False)
    assert pipeline.claim(unmapped.pk) is None
    done = imported(org_a, "Name,Email\nSam,s@example.com\n")
    assert pipeline.claim(done.pk, timezone.now() + pipeline.STALE_AFTER * 10) is None


def test_a_worker_taken_over_stops_without_writing(org_a):
    contact_import = make_import(org_a, "Name,Email\nJane,j@example.com\n")
    first = pipeline.claim(contact_import.pk)
    contact_import.refresh_from_db()
    # The first worker stalls; after the stale window a second one takes over.
    assert pipeline.claim(contact_import.pk, first + pipeline.STALE_AFTER * 2) is not None
    with pytest.raises(pipeline.ClaimLost):
        pipeline._Engine(contact_import, first).settle_all()
    assert not Contact.objects.exists()
    contact_import.refresh_from_db()
    assert contact_import.rows_done == 0 and contact_import.status == ImportStatus.RUNNING


def test_it_queues_again_imports_whose_worker_died(org_a, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    fresh = make_import(org_a, "Name,Email\nA,a@example.com\n")
    fresh.heartbeat_at = timezone.now()
    fresh.save()
    lost = make_import(org_a, "Name,Email\nB,b@example.com\n")
    dead = make_import(org_a, "Name,Email\nC,c@example.com\n")
    pipeline.claim(dead.pk, timezone.now() - pipeline.STALE_AFTER * 2)
    done = imported(org_a, "Name,Email\nD,d@example.com\n")

    with django_capture_on_commit_callbacks(execute=True):
        assert pipeline.resume_stale_runs() == 2
    tasks = DBTaskResult.objects.all()
    assert sorted(task.args_kwargs["args"][0] for task in tasks) == sorted(
        [str(lost.pk), str(dead.pk)]
    )
    dead.refresh_from_db()
    assert dead.status == ImportStatus.QUEUED
    done.refresh_from_db()
    assert done.status == ImportStatus.DONE
    # Re-queued just now: not again on the next tick.
    assert pipeline.resume_stale_runs() == 0


def test_it_drops_uploads_never_mapped(org_a):
    old = make_import(org_a, "Name,Email\nA,a@example.com\n", queued=False)
    recent = make_import(org_a, "Name,Email\nB,b@example.com\n", queued=False)
    old.created_at = timezone.now() - pipeline.ABANDONED_AFTER * 2
    old.save()
    assert pipeline.drop_abandoned_uploads() == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.status, old.content_encrypted) == (ImportStatus.FAILED, "")
    assert recent.status == ImportStatus.MAPPING and recent.content
