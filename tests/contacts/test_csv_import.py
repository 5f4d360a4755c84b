import pytest

from hushpost.activity.models import Event, EventKind
from hushpost.contacts.models import Contact, CustomField, OnDuplicate
from hushpost.imports.models import ImportRow, ImportStatus
from hushpost.imports.pipeline import run_import
from hushpost.imports.report import rejected_rows_csv
from tests.contacts.importing import make_import, reasons_by_row

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
        contact_import.added_count,
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
        "import_id": str(contact_import.pk),
        "status": "done",
        "encoding": "UTF-8",
        "rows": 2,
        "added": 1,
        "updated": 0,
        "unchanged": 0,
        "skipped": 0,
        "rejected": 1,
    }
    assert Event.objects.count() == 1


@pytest.mark.parametrize(
    "row, reason",
    [
        ("Jane,555-01,,,,,,,,", "bad phone"),
        ("Jane,,not-an-email,,,,,,,", "bad email"),
        ("Jane,,j@example.com,Mars/Olympus,,,,,,", "bad time zone"),
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
    rejection = ImportRow.objects.get(outcome="rejected")
    assert rejection.line == 2
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
            "missing name",
            "bad phone (not a valid mobile number; add the country code)",
            "bad email",
        ]
    }
    # The blank line 3 is skipped, neither imported nor rejected.
    assert (
        contact_import.rows_done,
        contact_import.added_count,
        contact_import.rejected_count,
    ) == (4, 2, 1)


def test_it_keeps_the_rejected_row_encrypted_and_out_of_the_reasons(org_a):
    contact_import = imported(org_a, "Name,Phone,Email\nJane Secret,555-01,jane@secret.example\n")
    rejection = contact_import.rows.get(outcome="rejected")
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
    assert contact_import.added_count == 1
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
        contact_import.added_count,
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
    assert (contact_import.updated_count, contact_import.added_count) == (2, 0)


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


def test_the_rejected_rows_file_has_the_original_columns_and_the_reasons(org_a):
    text = "Name,Phone,Email\nJane,555-01,\nSam,,s@example.com\n,,x@example.com,extra\n"
    contact_import = imported(org_a, text)
    assert rejected_rows_csv(contact_import).splitlines() == [
        "Name,Phone,Email,rejected because",
        "Jane,555-01,,bad phone (not a valid mobile number; add the country code)",
        ",,x@example.com,more cells (4) than columns (3); check the quoting; missing name,extra",
    ]
