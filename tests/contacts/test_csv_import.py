import logging

import pytest
import time_machine
from django.utils import timezone

from hushpost.activity.models import Event, EventKind
from hushpost.contacts import csv_import
from hushpost.contacts.csv_import import rejected_rows_csv, run_import
from hushpost.contacts.models import (
    Contact,
    CustomField,
    ImportRejection,
    ImportStatus,
    OnDuplicate,
)
from tests.contacts.importing import Crash, crash_once_on_chunk, crash_test_file, make_import

pytestmark = pytest.mark.django_db

HEADER = (
    "Name,Phone,Email,Time zone,Language,Secure PIN,"
    "SMS opt out,Email opt out,Patient number,Date of birth\n"
)


@pytest.fixture
def fields(org_a):
    CustomField.objects.create(
        organization=org_a, key="patient_no", label="Patient number", field_type="number"
    )
    CustomField.objects.create(
        organization=org_a, key="dob", label="Date of birth", field_type="date"
    )


def imported(org, text, **options):
    contact_import = make_import(org, text, **options)
    run_import(contact_import.pk)
    contact_import.refresh_from_db()
    return contact_import


def reasons_by_row(contact_import):
    return {r.row_number: r.reasons for r in contact_import.rejections.all()}


def test_it_imports_every_field_of_a_good_row(org_a, alice, fields):
    text = HEADER + (
        'Jane Roe,(415) 555-0100,Jane@Example.COM,Europe/Paris,FR,ab12,yes,no,"1,200",1990-02-03\n'
    )
    contact_import = imported(org_a, text, user=alice)
    contact = Contact.objects.get()
    assert (contact.name, contact.phone, contact.email) == (
        "Jane Roe",
        "+14155550100",
        "Jane@example.com",
    )
    assert (contact.time_zone, contact.language, contact.secure_pin) == (
        "Europe/Paris",
        "fr",
        "ab12",
    )
    assert "ab12" not in contact.secure_pin_encrypted
    assert (contact.sms_opt_out, contact.email_opt_out) == (True, False)
    assert contact.custom == {"patient_no": "1200", "dob": "1990-02-03"}
    assert contact_import.status == ImportStatus.DONE
    assert (
        contact_import.rows_done,
        contact_import.created_count,
        contact_import.rejected_count,
    ) == (1, 1, 0)
    assert contact_import.finished_at is not None


def test_it_drops_the_file_and_records_one_event_without_contact_data(org_a, alice):
    contact_import = imported(
        org_a, "Name,Email\nJane Roe,jane@example.com\nSam,not-an-email\n", user=alice
    )
    assert contact_import.content_encrypted == ""
    event = Event.objects.get(kind=EventKind.CONTACTS_IMPORTED)
    assert event.actor == alice and event.contact is None
    assert event.detail == {
        "file_name": "contacts.csv",
        "import_id": contact_import.pk,
        "status": "done",
        "rows": 2,
        "created": 1,
        "updated": 0,
        "rejected": 1,
    }
    assert Event.objects.count() == 1


@pytest.mark.parametrize(
    "row, reason",
    [
        ("Jane,555-01,,,,,,,,", "bad phone"),
        ("Jane,,not-an-email,,,,,,,", "bad email"),
        ("Jane,,j@example.com,Mars/Olympus,,,,,,", "bad time zone"),
        ("Jane,,j@example.com,,klingon,,,,,", "bad language"),
        ("Jane,,j@example.com,,,12 34,,,,", "bad secure PIN"),
        ("Jane,,j@example.com,,,12-34,,,,", "bad secure PIN"),
        ("Jane,,j@example.com,,,,maybe,,,", "bad SMS opt-out"),
        ("Jane,,j@example.com,,,,,perhaps,,", "bad email opt-out"),
        ("Jane,,j@example.com,,,,,,twelve,", "bad Patient number: not a number"),
        ("Jane,,j@example.com,,,,,,,31/31/2020", "bad Date of birth: not a date"),
        (",,j@example.com,,,,,,,", "missing name"),
        ("Jane,,,,,,,,,", "no phone and no email"),
        ("Jane,,j@example.com,,,,,,,,surplus", "more cells (11) than columns (10)"),
        ("J" * 201 + ",,j@example.com,,,,,,,", "name too long"),
    ],
)
def test_it_rejects_a_row_with_the_reason(org_a, fields, row, reason):
    contact_import = imported(org_a, HEADER + row + "\n")
    rejection = ImportRejection.objects.get()
    assert rejection.row_number == 2
    assert len(rejection.reasons) == 1 and rejection.reasons[0].startswith(reason)
    assert not Contact.objects.exists()
    assert contact_import.rejected_count == 1 and contact_import.status == ImportStatus.DONE


def test_it_rejects_a_value_in_a_column_mapped_to_an_unknown_field(org_a):
    contact_import = imported(
        org_a, "Name,Email,custom.no_such\nJane,j@example.com,x\nSam,s@example.com,\n"
    )
    assert contact_import.mapping["2"] == "custom.no_such"
    assert reasons_by_row(contact_import) == {2: ["unknown field no_such"]}
    assert Contact.objects.get().name == "Sam"


def test_it_lists_every_reason_and_counts_rows_as_the_file_does(org_a):
    text = (
        "Name,Phone,Email,Language\n"
        "Good One,,a@example.com,\n\n,12,nope,xx\nGood Two,,b@example.com,en\n"
    )
    contact_import = imported(org_a, text)
    assert reasons_by_row(contact_import) == {
        4: [
            "bad phone (not a valid mobile number; add the country code)",
            "bad email",
            "bad language (use a code such as en or es)",
            "missing name",
        ]
    }
    # The blank line 3 is skipped, neither imported nor rejected.
    assert (
        contact_import.rows_done,
        contact_import.created_count,
        contact_import.rejected_count,
    ) == (4, 2, 1)


def test_it_keeps_the_rejected_row_encrypted_and_out_of_the_reasons(org_a):
    contact_import = imported(org_a, "Name,Phone,Email\nJane Secret,555-01,jane@secret.example\n")
    rejection = contact_import.rejections.get()
    assert rejection.values == ["Jane Secret", "555-01", "jane@secret.example"]
    assert "Jane" not in rejection.values_encrypted
    assert "555" not in str(rejection.reasons) and "secret" not in str(rejection.reasons)


def test_it_rejects_duplicates_within_the_file(org_a):
    text = (
        "Name,Phone,Email\n"
        "Jane,+1 415 555 0100,jane@example.com\n"
        "Jane again,,JANE@example.com\n"
        "Jane's phone,(415) 555-0100,\n"
        "Sam,,sam@example.com\n"
    )
    contact_import = imported(org_a, text)
    assert reasons_by_row(contact_import) == {
        3: ["duplicate: row 2 of this file has the same email"],
        4: ["duplicate: row 2 of this file has the same mobile phone"],
    }
    assert sorted(Contact.objects.values_list("name", flat=True)) == ["Jane", "Sam"]


def test_it_rejects_rows_matching_an_existing_contact(org_a, org_b):
    Contact.objects.create(organization=org_a, name="Old Jane", email="Jane@Example.com")
    Contact.objects.create(organization=org_a, name="Old Sam", phone="+14155550101")
    Contact.objects.create(organization=org_b, name="Elsewhere", email="kim@example.com")
    text = "Name,Phone,Email\nJane,,jane@EXAMPLE.com\nSam,415 555 0101,\nKim,,kim@example.com\n"
    contact_import = imported(org_a, text)
    assert reasons_by_row(contact_import) == {
        2: ["duplicate: a contact with the same email already exists"],
        3: ["duplicate: a contact with the same mobile phone already exists"],
    }
    # Another organization's contacts don't count.
    assert contact_import.created_count == 1
    assert Contact.objects.get(name="Old Jane").email == "Jane@Example.com"


def test_it_updates_existing_contacts_when_asked(org_a, fields):
    jane = Contact(
        organization=org_a, name="Old Jane", email="jane@example.com", time_zone="Europe/Paris"
    )
    jane.custom = {"dob": "1990-01-01"}
    jane.save()
    text = (
        "Name,Phone,Email,Time zone,Patient number\n"
        "Jane Roe,415 555 0100,JANE@example.com,,42\nNew Sam,,sam@example.com,,\n"
    )
    contact_import = imported(org_a, text, on_duplicate=OnDuplicate.UPDATE)
    jane.refresh_from_db()
    assert (jane.name, jane.phone, jane.email) == ("Jane Roe", "+14155550100", "JANE@example.com")
    # An empty cell leaves what the contact had.
    assert jane.time_zone == "Europe/Paris"
    assert jane.custom == {"dob": "1990-01-01", "patient_no": "42"}
    assert (
        contact_import.created_count,
        contact_import.updated_count,
        contact_import.rejected_count,
    ) == (1, 1, 0)
    assert Contact.objects.count() == 2


def test_in_update_mode_it_still_rejects_duplicates_in_the_file_and_ambiguous_rows(org_a):
    Contact.objects.create(organization=org_a, name="A", email="a@example.com")
    Contact.objects.create(organization=org_a, name="B", phone="+14155550102")
    Contact.objects.create(
        organization=org_a, name="C", email="c@example.com", phone="+14155550103"
    )
    text = (
        "Name,Phone,Email\n"
        "A one,,a@example.com\n"
        "A two,,a@example.com\n"
        "A and B,+14155550102,a@example.com\n"
        "C new email,+14155550103,c2@example.com\n"
        "Old C email,,c@example.com\n"
    )
    contact_import = imported(org_a, text, on_duplicate=OnDuplicate.UPDATE)
    assert reasons_by_row(contact_import) == {
        3: ["duplicate: row 2 of this file has the same email"],
        4: ["duplicate: row 2 of this file has the same email"],
        # Row 5 changed C's email; a later row with C's old email is about the same person.
        6: ["duplicate: row 5 of this file has the same email"],
    }
    assert (contact_import.updated_count, contact_import.created_count) == (2, 0)


def test_ambiguous_rows_are_rejected_in_update_mode(org_a):
    Contact.objects.create(organization=org_a, name="A", email="a@example.com")
    Contact.objects.create(organization=org_a, name="B", phone="+14155550102")
    contact_import = imported(
        org_a,
        "Name,Phone,Email\nA and B,+14155550102,a@example.com\n",
        on_duplicate=OnDuplicate.UPDATE,
    )
    assert reasons_by_row(contact_import) == {
        2: ["duplicate: the email and the mobile phone belong to two different contacts"]
    }


def test_it_resumes_after_a_crash_with_every_row_settled_once(org_a, monkeypatch):
    monkeypatch.setattr(csv_import, "CHUNK_SIZE", 5)
    crash_once_on_chunk(monkeypatch, 2)
    contact_import = make_import(org_a, crash_test_file())
    with time_machine.travel(timezone.now(), tick=False) as clock:
        with pytest.raises(Crash):
            run_import(contact_import.pk)
        contact_import.refresh_from_db()
        assert contact_import.status == ImportStatus.RUNNING
        assert (
            contact_import.rows_done,
            contact_import.created_count,
            contact_import.rejected_count,
        ) == (5, 4, 1)
        assert not Contact.objects.filter(name="Person 5").exists()

        run_import(contact_import.pk)  # the heartbeat is fresh: someone may still be working on it
        assert Contact.objects.count() == 4

        clock.shift(csv_import.STALE_AFTER.total_seconds() + 1)
        run_import(contact_import.pk)
    contact_import.refresh_from_db()
    assert contact_import.status == ImportStatus.DONE
    assert (
        contact_import.rows_done,
        contact_import.created_count,
        contact_import.rejected_count,
    ) == (17, 15, 2)
    contacts = sorted(
        int(name.split()[1]) + 2 for name in Contact.objects.values_list("name", flat=True)
    )
    rejected = sorted(contact_import.rejections.values_list("row_number", flat=True))
    assert sorted(contacts + rejected) == list(range(2, 19))
    assert reasons_by_row(contact_import)[14] == [
        "duplicate: row 3 of this file has the same email"
    ]
    assert Event.objects.filter(kind=EventKind.CONTACTS_IMPORTED).count() == 1


def test_an_unexpected_error_fails_the_import_and_keeps_what_was_settled(
    org_a, monkeypatch, caplog
):
    monkeypatch.setattr(csv_import, "CHUNK_SIZE", 5)
    real = csv_import._Run.settle_chunk

    def settle_chunk(self, start, rows):
        if start == 5:
            # The message quotes a row, as a database error can.
            raise RuntimeError(f"boom on {rows[2][0]} {rows[2][2]}")
        return real(self, start, rows)

    monkeypatch.setattr(csv_import._Run, "settle_chunk", settle_chunk)
    contact_import = make_import(org_a, crash_test_file())
    with caplog.at_level(logging.DEBUG):
        run_import(contact_import.pk)
    contact_import.refresh_from_db()
    assert contact_import.status == ImportStatus.FAILED
    assert "RuntimeError" in contact_import.error and "boom" not in contact_import.error
    assert contact_import.rows_done == 5 and Contact.objects.count() == 4
    assert contact_import.content_encrypted == ""
    assert Event.objects.get(kind=EventKind.CONTACTS_IMPORTED).detail["status"] == "failed"
    assert "p7@example.com" not in caplog.text and "Person" not in caplog.text


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
    assert csv_import.claim(contact_import.pk, now) == now
    assert csv_import.claim(contact_import.pk, now) is None
    assert csv_import.claim(contact_import.pk, now + csv_import.STALE_AFTER / 2) is None
    later = now + csv_import.STALE_AFTER * 2
    assert csv_import.claim(contact_import.pk, later) == later


def test_finished_and_unmapped_imports_cannot_be_claimed(org_a):
    unmapped = make_import(org_a, "Name,Email\nJane,j@example.com\n", queued=False)
    assert csv_import.claim(unmapped.pk) is None
    done = imported(org_a, "Name,Email\nSam,s@example.com\n")
    assert csv_import.claim(done.pk, timezone.now() + csv_import.STALE_AFTER * 10) is None


def test_a_worker_taken_over_stops_without_writing(org_a):
    contact_import = make_import(org_a, "Name,Email\nJane,j@example.com\n")
    first = csv_import.claim(contact_import.pk)
    contact_import.refresh_from_db()
    # The first worker stalls; after the stale window a second one takes over.
    assert csv_import.claim(contact_import.pk, first + csv_import.STALE_AFTER * 2) is not None
    with pytest.raises(csv_import.ClaimLost):
        csv_import._Run(contact_import, first).settle_all()
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
    csv_import.claim(dead.pk, timezone.now() - csv_import.STALE_AFTER * 2)
    done = imported(org_a, "Name,Email\nD,d@example.com\n")

    with django_capture_on_commit_callbacks(execute=True):
        assert csv_import.resume_stale_imports() == 2
    tasks = DBTaskResult.objects.all()
    assert sorted(task.args_kwargs["args"][0] for task in tasks) == sorted([lost.pk, dead.pk])
    dead.refresh_from_db()
    assert dead.status == ImportStatus.QUEUED
    done.refresh_from_db()
    assert done.status == ImportStatus.DONE
    # Re-queued just now: not again on the next tick.
    assert csv_import.resume_stale_imports() == 0


def test_it_drops_uploads_never_mapped(org_a):
    old = make_import(org_a, "Name,Email\nA,a@example.com\n", queued=False)
    recent = make_import(org_a, "Name,Email\nB,b@example.com\n", queued=False)
    old.created_at = timezone.now() - csv_import.ABANDONED_AFTER * 2
    old.save()
    assert csv_import.drop_abandoned_uploads() == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert (old.status, old.content_encrypted) == (ImportStatus.FAILED, "")
    assert recent.status == ImportStatus.MAPPING and recent.content


def test_the_rejected_rows_file_has_the_original_columns_and_the_reasons(org_a):
    text = "Name,Phone,Email\nJane,555-01,\nSam,,s@example.com\n,,x@example.com,extra\n"
    contact_import = imported(org_a, text)
    assert rejected_rows_csv(contact_import).splitlines() == [
        "Name,Phone,Email,rejected because",
        "Jane,555-01,,bad phone (not a valid mobile number; add the country code)",
        ",,x@example.com,more cells (4) than columns (3); check the quoting; missing name,extra",
    ]
