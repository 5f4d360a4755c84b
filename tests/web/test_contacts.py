import pytest

from hushpost.activity.models import Event, EventKind
from hushpost.contacts.models import Contact, CustomField

pytestmark = pytest.mark.django_db


def make_contact(org, **fields):
    pin = fields.pop("secure_pin", "")
    contact = Contact(organization=org, name=fields.pop("name", "Jane Roe"), **fields)
    contact.secure_pin = pin
    contact.save()
    return contact


def test_it_lists_only_the_organizations_contacts(alice_client, org_a, org_b):
    make_contact(org_a, name="Jane Roe", phone="+14155550100")
    make_contact(org_b, name="Hidden Person", email="hidden@harbor.example")
    response = alice_client.get("/contacts/")
    assert response.status_code == 200
    assert b"Jane Roe" in response.content
    assert b"Hidden Person" not in response.content


def test_it_searches_by_name_email_and_phone_digits(alice_client, org_a):
    make_contact(org_a, name="Jane Roe", phone="+14155550100")
    make_contact(org_a, name="Sam Poe", email="sam@example.com")
    assert b"Sam Poe" not in alice_client.get("/contacts/?q=jane").content
    assert b"Jane Roe" in alice_client.get("/contacts/?q=555-0100").content
    assert b"Jane Roe" not in alice_client.get("/contacts/?q=sam@").content


def test_it_pages_the_list(alice_client, org_a):
    Contact.objects.bulk_create(
        [
            Contact(organization=org_a, name=f"Person {i:03}", email=f"p{i}@x.example")
            for i in range(120)
        ]
    )
    first = alice_client.get("/contacts/").content.decode()
    third = alice_client.get("/contacts/?page=3").content.decode()
    assert "Page 1 of 3" in first and "Person 000" in first and "Person 050" not in first
    assert "Page 3 of 3" in third and "Person 119" in third


def test_it_creates_a_contact_with_the_phone_stored_as_e164(alice_client, org_a, alice):
    CustomField.objects.create(
        organization=org_a, key="patient_no", label="Patient number", field_type="number"
    )
    response = alice_client.post(
        "/contacts/new/",
        {
            "name": "Jane Roe",
            "phone": "(415) 555-0100",
            "email": "Jane@Example.COM",
            "language": "en",
            "secure_pin": "4321",
            "custom__patient_no": "1,200",
        },
    )
    contact = Contact.objects.get(name="Jane Roe")
    assert response.status_code == 302
    assert contact.phone == "+14155550100"
    assert contact.email == "Jane@example.com"
    assert contact.secure_pin == "4321"
    assert "4321" not in contact.secure_pin_encrypted
    assert contact.custom == {"patient_no": "1200"}
    event = Event.objects.get(kind=EventKind.CONTACT_CREATED)
    assert event.contact == contact and event.actor == alice


def test_it_refuses_a_bad_phone_number_with_a_clear_error(alice_client, org_a):
    response = alice_client.post(
        "/contacts/new/", {"name": "Jane", "phone": "555-01", "language": "en"}
    )
    assert response.status_code == 200
    assert (
        "is not a valid phone number" in response.content.decode()
        or "is not a phone number" in response.content.decode()
    )
    assert not Contact.objects.exists()


def test_it_logs_only_the_names_of_changed_fields(alice_client, org_a):
    contact = make_contact(org_a, name="Jane Roe", email="jane@example.com")
    alice_client.post(
        f"/contacts/{contact.pk}/edit/",
        {"name": "Jane Roe", "email": "jane@example.com", "language": "en", "secure_pin": "9876"},
    )
    event = Event.objects.get(kind=EventKind.CONTACT_UPDATED)
    assert event.detail == {"fields": "secure_pin"}
    assert "9876" not in str(event.detail)


def test_it_deletes_a_contact_and_keeps_a_record(alice_client, org_a):
    contact = make_contact(org_a, name="Jane Roe", email="jane@example.com")
    alice_client.post(f"/contacts/{contact.pk}/delete/")
    assert not Contact.objects.exists()
    assert Event.objects.filter(
        kind=EventKind.CONTACT_DELETED, detail__contact_id=str(contact.pk)
    ).exists()


def test_another_organizations_contact_is_404_for_every_action(alice_client, org_b):
    theirs = make_contact(org_b, name="Hidden Person", email="hidden@harbor.example")
    for url in (
        f"/contacts/{theirs.pk}/",
        f"/contacts/{theirs.pk}/edit/",
        f"/contacts/{theirs.pk}/delete/",
    ):
        assert alice_client.get(url).status_code == 404
        assert (
            alice_client.post(
                url, {"name": "Changed", "email": "x@y.example", "language": "en"}
            ).status_code
            == 404
        )
    theirs.refresh_from_db()
    assert theirs.name == "Hidden Person"


def test_a_pin_with_letters_a_phone_keyboard_types_differently_is_refused(alice_client, org_a):
    response = alice_client.post(
        "/contacts/new/",
        {"name": "Jane", "email": "j@example.com", "language": "en", "secure_pin": "café1"},
    )
    assert "letters and digits only" in response.content.decode()
    assert not Contact.objects.exists()


def test_the_edit_page_never_shows_a_stored_pin_or_sensitive_value(alice_client, org_a):
    CustomField.objects.create(
        organization=org_a, key="dob", label="Date of birth", field_type="text", sensitive=True
    )
    contact = make_contact(org_a, name="Jane Roe", email="jane@example.com", secure_pin="K7Q2Z")
    contact.custom = {"dob": "19800131"}
    contact.save()
    page = alice_client.get(f"/contacts/{contact.pk}/edit/").content.decode()
    assert "K7Q2Z" not in page and "19800131" not in page
    assert "hidden here" in page
    assert "Remove this contact&#x27;s own PIN" in page or "Remove this contact's own PIN" in page


def test_leaving_hidden_values_empty_keeps_them_and_the_ticks_clear_them(alice_client, org_a):
    CustomField.objects.create(
        organization=org_a, key="dob", label="Date of birth", field_type="text", sensitive=True
    )
    contact = make_contact(org_a, name="Jane Roe", email="jane@example.com", secure_pin="K7Q2Z")
    contact.custom = {"dob": "19800131"}
    contact.save()
    base = {"name": "Jane Roe", "email": "jane@example.com", "language": "en"}
    response = alice_client.post(f"/contacts/{contact.pk}/edit/", {**base, "name": "Jane R."})
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.secure_pin == "K7Q2Z" and contact.custom == {"dob": "19800131"}

    alice_client.post(
        f"/contacts/{contact.pk}/edit/",
        {**base, "secure_pin": "NEW42", "custom__dob": "19900101"},
    )
    contact.refresh_from_db()
    assert contact.secure_pin == "NEW42" and contact.custom == {"dob": "19900101"}

    alice_client.post(
        f"/contacts/{contact.pk}/edit/",
        {**base, "secure_pin__clear": "on", "custom__dob__clear": "on"},
    )
    contact.refresh_from_db()
    assert contact.secure_pin == "" and contact.custom == {}
    last = Event.objects.filter(kind=EventKind.CONTACT_UPDATED).order_by("-id").first()
    assert last is not None
    assert set(last.detail["fields"].split(", ")) == {"secure_pin", "custom.dob"}


def test_staff_set_the_external_id_and_a_taken_one_is_refused(alice_client, org_a):
    make_contact(org_a, name="Sam Poe", email="sam@example.com", external_id="EHR-1")
    contact = make_contact(org_a, name="Jane Roe", email="jane@example.com")
    base = {"name": "Jane Roe", "email": "jane@example.com", "language": "en"}
    response = alice_client.post(f"/contacts/{contact.pk}/edit/", {**base, "external_id": "EHR-1"})
    assert response.status_code == 200
    assert "Another contact already has this external id" in response.content.decode()
    contact.refresh_from_db()
    assert contact.external_id == ""
    alice_client.post(f"/contacts/{contact.pk}/edit/", {**base, "external_id": " EHR-2 "})
    contact.refresh_from_db()
    assert contact.external_id == "EHR-2"
