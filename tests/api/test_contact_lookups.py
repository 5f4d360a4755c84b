"""Finding a contact by phone, email or the integrator's own id, and upserting by that id."""

from __future__ import annotations

import pytest

from hushpost.activity.models import Event, EventKind
from hushpost.contacts.models import Contact
from tests.api.helpers import field_errors, make_contact

pytestmark = pytest.mark.django_db


def names(api, **query) -> list[str]:
    response = api.get("contacts", query)
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["items"]]


def test_look_ups_by_phone_in_any_format_email_in_any_case_and_external_id(api, org_a, dana):
    make_contact(org_a, "Eli Park", phone="+14155550124", email="eli@example.com")
    dana.external_id = "EHR-4711"
    dana.save()
    assert names(api, phone="(415) 555-0123") == ["Dana Reyes"]
    assert names(api, phone="+1 415 555 0123") == ["Dana Reyes"]
    assert names(api, email="DANA@Example.com") == ["Dana Reyes"]
    assert names(api, external_id="EHR-4711") == ["Dana Reyes"]
    assert names(api, phone="+14155550124", email="dana@example.com") == []
    assert names(api, external_id="EHR-9999") == []
    bad = api.get("contacts", {"phone": "555"})
    assert "not a valid phone number" in field_errors(bad)["phone"]


def test_another_organizations_contact_is_never_found(api, hidden):
    hidden.external_id = "H-1"
    hidden.save()
    assert names(api, email=hidden.email) == names(api, external_id="H-1") == []


def test_upsert_creates_then_updates_by_external_id(api, org_a):
    created = api.put(
        "contacts/by-external-id/EHR-1",
        {"name": "Ann Moss", "phone": "415 555 0177", "custom": {}},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["external_id"], body["phone"]) == ("EHR-1", "+14155550177")
    updated = api.put("contacts/by-external-id/EHR-1", {"email": "ann@example.com"})
    assert updated.status_code == 200, updated.content
    assert updated.json()["id"] == body["id"] and updated.json()["email"] == "ann@example.com"
    assert updated.json()["name"] == "Ann Moss"  # left out: kept
    again = api.put("contacts/by-external-id/EHR-1", {"email": "ann@example.com"})
    assert again.status_code == 200
    kinds = list(
        Event.objects.for_org(org_a)
        .filter(contact_id=body["id"])
        .order_by("id")
        .values_list("kind", flat=True)
    )
    assert kinds == [EventKind.CONTACT_CREATED, EventKind.CONTACT_UPDATED]  # the repeat: nothing


def test_an_upsert_never_clears_an_opt_out_it_does_not_mention(api, dana):
    dana.external_id = "EHR-2"
    dana.sms_opt_out = True
    dana.save()
    response = api.put("contacts/by-external-id/EHR-2", {"name": "Dana R.", "phone": dana.phone})
    assert response.status_code == 200
    dana.refresh_from_db()
    assert dana.sms_opt_out and dana.name == "Dana R."


def test_a_new_contact_needs_a_name_and_an_address(api):
    nameless = api.put("contacts/by-external-id/EHR-3", {"phone": "+14155550188"})
    assert field_errors(nameless)["name"] == "Give the contact's name."
    nowhere = api.put("contacts/by-external-id/EHR-3", {"name": "No Address"})
    assert "phone or an email" in field_errors(nowhere)["phone"]
    assert not Contact.objects.filter(external_id="EHR-3").exists()


def test_an_external_id_belongs_to_one_contact(api, org_a, dana):
    make_contact(org_a, "Eli Park", phone="+14155550124", email="eli@example.com")
    api.patch(f"contacts/{dana.pk}", {"external_id": "EHR-5"})
    eli = Contact.objects.get(name="Eli Park")
    taken = api.patch(f"contacts/{eli.pk}", {"external_id": "EHR-5"})
    assert field_errors(taken)["external_id"].startswith("Another contact")
    created = api.post(
        "contacts", {"name": "Fay", "email": "fay@example.com", "external_id": "EHR-5"}
    )
    assert "external_id" in field_errors(created)


def test_put_keeps_the_external_id_it_does_not_mention(api, dana):
    api.patch(f"contacts/{dana.pk}", {"external_id": "EHR-6"})
    body = api.get(f"contacts/{dana.pk}").json()
    body.pop("id")
    body.pop("external_id")
    assert api.put(f"contacts/{dana.pk}", body).json()["external_id"] == "EHR-6"


def test_their_external_id_upserts_a_contact_of_ours_and_leaves_theirs_alone(api, hidden, org_a):
    hidden.external_id = "SHARED-1"
    hidden.save()
    response = api.put(
        "contacts/by-external-id/SHARED-1", {"name": "Our Patient", "email": "ours@example.com"}
    )
    assert response.status_code == 201
    hidden.refresh_from_db()
    assert hidden.name == "Hidden Person"
    assert Contact.objects.get(pk=response.json()["id"]).organization == org_a
