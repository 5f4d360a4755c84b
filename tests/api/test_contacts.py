import pytest

from hushpost.activity.models import Event, EventKind
from hushpost.contacts.models import Contact
from tests.api.helpers import assert_problem, field_errors, make_contact

pytestmark = pytest.mark.django_db

FULL = {
    "name": "Dana Reyes",
    "phone": "(415) 555-0199",
    "email": "Dana@Example.COM",
    "time_zone": "America/Chicago",
    "language": "es",
    "custom": {"patient_number": "1,204", "birth_date": "31/12/1980", "clinic": "North"},
    "secure_pin": "ab12",
    "sms_opt_out": False,
    "email_opt_out": True,
}


def test_it_creates_a_contact_with_values_cleaned_like_the_staff_form(api, org_a, fields_a):
    response = api.post("contacts", FULL)
    assert response.status_code == 201, response.content
    body = response.json()
    contact = Contact.objects.get(pk=body["id"])
    assert contact.organization == org_a
    assert body == {
        "id": str(contact.pk),
        "name": "Dana Reyes",
        "phone": "+14155550199",  # E.164 with the organization's country (US)
        "email": "Dana@example.com",
        "time_zone": "America/Chicago",
        "language": "es",
        "custom": {"patient_number": "1204", "birth_date": "1980-12-31", "clinic": "North"},
        "secure_pin": "ab12",
        "sms_opt_out": False,
        "email_opt_out": True,
        "external_id": "",
    }
    assert contact.secure_pin == "ab12" and "ab12" not in contact.secure_pin_encrypted


def test_creating_logs_an_event_naming_the_key(api, org_a):
    response = api.post("contacts", {"name": "Eli Park", "email": "eli@example.com"})
    event = Event.objects.for_org(org_a).get(kind=EventKind.CONTACT_CREATED)
    assert str(event.contact_id) == response.json()["id"]
    assert event.actor_label == "api: Booking system" and event.actor is None


def test_it_lists_contacts_by_name_with_count_limit_and_offset(api, org_a, hidden):
    for name in ("Cara", "Abe", "Bea"):
        make_contact(org_a, name, email=f"{name.lower()}@example.com")
    body = api.get("contacts", {"limit": 2}).json()
    assert body["count"] == 3 and [c["name"] for c in body["items"]] == ["Abe", "Bea"]
    body = api.get("contacts", {"limit": 2, "offset": 2}).json()
    assert body["count"] == 3 and [c["name"] for c in body["items"]] == ["Cara"]


def test_it_searches_names_emails_and_phone_digits(api, org_a, dana):
    make_contact(org_a, "Abe Lincoln", phone="+12025550111", email="abe@example.com")
    assert [c["name"] for c in api.get("contacts", {"search": "dana@"}).json()["items"]] == [
        "Dana Reyes"
    ]
    assert [c["name"] for c in api.get("contacts", {"search": "555-0111"}).json()["items"]] == [
        "Abe Lincoln"
    ]


def test_paging_out_of_range_is_a_field_error(api):
    assert set(field_errors(api.get("contacts", {"limit": 0}))) == {"limit"}
    assert set(field_errors(api.get("contacts", {"limit": 500, "offset": -1}))) == {
        "limit",
        "offset",
    }


@pytest.mark.parametrize("offset", [1_000_000_001, 2**63, 56614867409764225312597357887488])
def test_an_offset_past_any_database_integer_is_a_field_error_not_a_server_error(api, offset):
    # Found by the schemathesis fuzz test: SQLite answered "datatype mismatch" (500).
    assert set(field_errors(api.get("contacts", {"offset": offset}))) == {"offset"}


def test_the_largest_offset_is_an_empty_page(api, dana):
    assert api.get("contacts", {"offset": 1_000_000_000}).json() == {"items": [], "count": 1}


def test_it_gets_one_contact(api, dana):
    body = api.get(f"contacts/{dana.pk}").json()
    assert body["name"] == "Dana Reyes" and body["phone"] == "+14155550123"


def test_bad_values_are_refused_field_by_field(api, fields_a):
    response = api.post(
        "contacts",
        {
            "name": " ",
            "phone": "555",
            "email": "not-an-email",
            "time_zone": "Mars/Base",
            "language": "xx",
            "secure_pin": "12 34",
            "custom": {
                "patient_number": "twelve",
                "birth_date": "soon",
                "nickname": "Dee",
                "clinic": True,
            },
        },
    )
    errors = field_errors(response)
    assert set(errors) == {
        "name",
        "phone",
        "email",
        "time_zone",
        "language",
        "secure_pin",
        "custom.patient_number",
        "custom.birth_date",
        "custom.nickname",
        "custom.clinic",
    }
    assert "not a valid phone number" in errors["phone"]
    assert "“nickname” is not a custom field" in errors["custom.nickname"]
    assert "birth_date, clinic, patient_number" in errors["custom.nickname"]
    assert "is not a number" in errors["custom.patient_number"]
    assert "Mars/Base" in errors["time_zone"]
    assert "problems" in response.json()["detail"] and "phone:" in response.json()["detail"]
    assert not Contact.objects.exists()


def test_a_contact_needs_a_phone_or_an_email(api):
    errors = field_errors(api.post("contacts", {"name": "Nobody"}))
    assert "at least a mobile phone or an email" in errors["phone"]


def test_schema_errors_name_the_field(api):
    errors = field_errors(api.post("contacts", {"email": "x@example.com", "sms_opt_out": "maybe"}))
    assert errors["name"] == "This field is required."
    assert "sms_opt_out" in errors


def test_a_body_that_is_not_json_is_a_problem(api):
    response = api.generic("POST", "/api/v1/contacts", "{nope", content_type="application/json")
    assert_problem(response, 400)


def test_put_replaces_every_field_and_logs_the_changed_names(api, org_a, dana, fields_a):
    dana.custom = {"clinic": "South", "old_field": "kept"}
    dana.save()
    response = api.put(f"contacts/{dana.pk}", {**FULL, "custom": {"patient_number": 7}})
    assert response.status_code == 200, response.content
    dana.refresh_from_db()
    assert dana.phone == "+14155550199" and dana.language == "es" and dana.secure_pin == "ab12"
    # Values of current fields are replaced; a deleted field's value is left alone.
    assert dana.custom == {"patient_number": "7", "old_field": "kept"}
    assert response.json()["custom"] == {"patient_number": "7"}
    event = Event.objects.for_org(org_a).get(kind=EventKind.CONTACT_UPDATED)
    assert event.actor_label == "api: Booking system"
    assert "custom.clinic" in event.detail["fields"] and "secure_pin" in event.detail["fields"]
    assert "ab12" not in str(event.detail)


def test_put_needs_every_field(api, dana):
    errors = field_errors(api.put(f"contacts/{dana.pk}", {"name": "Dana"}))
    assert {"phone", "email", "custom", "secure_pin", "sms_opt_out"} <= set(errors)


def test_patch_changes_only_what_is_sent(api, org_a, dana, fields_a):
    dana.custom = {"clinic": "South", "patient_number": "5"}
    dana.save()
    response = api.patch(
        f"contacts/{dana.pk}",
        {"sms_opt_out": True, "custom": {"clinic": None, "birth_date": "2001-02-03"}},
    )
    assert response.status_code == 200, response.content
    dana.refresh_from_db()
    assert dana.sms_opt_out and dana.name == "Dana Reyes" and dana.email == "dana@example.com"
    assert dana.custom == {"patient_number": "5", "birth_date": "2001-02-03"}
    event = Event.objects.for_org(org_a).get(kind=EventKind.CONTACT_UPDATED)
    assert event.detail["fields"] == "sms_opt_out, custom.birth_date, custom.clinic"


def test_a_patch_that_changes_nothing_logs_nothing(api, org_a, dana):
    assert api.patch(f"contacts/{dana.pk}", {"name": "Dana Reyes"}).status_code == 200
    assert not Event.objects.for_org(org_a).filter(kind=EventKind.CONTACT_UPDATED).exists()


def test_patch_cannot_leave_a_contact_unreachable(api, dana):
    dana.phone = ""
    dana.save()
    errors = field_errors(api.patch(f"contacts/{dana.pk}", {"email": ""}))
    assert "phone" in errors


def test_delete_answers_204_and_logs_who(api, org_a, dana):
    response = api.delete(f"contacts/{dana.pk}")
    assert response.status_code == 204 and response.content == b""
    assert not Contact.objects.filter(pk=dana.pk).exists()
    event = Event.objects.for_org(org_a).get(kind=EventKind.CONTACT_DELETED)
    assert event.actor_label == "api: Booking system" and event.detail["contact_id"] == str(dana.pk)


def test_unknown_and_malformed_ids_are_404(api):
    assert_problem(api.get("contacts/00000000-0000-0000-0000-000000000000"), 404)
    assert_problem(api.get("contacts/not-a-uuid"), 404)


def test_another_organizations_contact_is_404_and_untouched(api, hidden):
    for response in (
        api.get(f"contacts/{hidden.pk}"),
        api.patch(f"contacts/{hidden.pk}", {"name": "Changed"}),
        api.delete(f"contacts/{hidden.pk}"),
    ):
        assert assert_problem(response, 404)["detail"] == "No contact with this id."
    hidden.refresh_from_db()
    assert hidden.name == "Hidden Person"
    assert "Hidden" not in str(api.get("contacts").content)
