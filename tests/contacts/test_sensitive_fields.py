"""Custom fields marked sensitive: values encrypted at rest, read everywhere as before."""

from __future__ import annotations

import pytest
from django.db import connection

from hushpost.accounts.api_keys import create_key
from hushpost.activity.models import Event, EventKind
from hushpost.contacts.models import Contact, CustomField
from hushpost.crypto import DecryptionError
from hushpost.imports.pipeline import run_import
from hushpost.messaging.rendering import render
from hushpost.messaging.template_fields import contact_context
from tests.api.helpers import ApiClient
from tests.contacts.importing import make_import

pytestmark = pytest.mark.django_db

SECRET = "POLICY-7731-XQ"


def raw_columns(contact) -> tuple[str, str]:
    """What the database itself holds for the contact's custom values."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT custom, custom_sensitive_encrypted FROM contacts_contact WHERE id = %s",
            [contact.pk.hex] if connection.vendor == "sqlite" else [contact.pk],
        )
        plain, sealed = cursor.fetchone()
    return str(plain), sealed


@pytest.fixture
def policy(org_a):
    return CustomField.objects.create(
        organization=org_a, key="policy", label="Policy number", sensitive=True
    )


@pytest.fixture
def clinic(org_a):
    return CustomField.objects.create(organization=org_a, key="clinic", label="Clinic")


def test_a_sensitive_value_is_stored_encrypted_and_read_back(org_a, policy, clinic):
    contact = Contact.objects.create(
        organization=org_a,
        name="Ana Ruiz",
        email="ana@example.com",
        custom={"policy": SECRET, "clinic": "North"},
    )
    plain, sealed = raw_columns(contact)
    assert SECRET not in plain and "policy" not in plain and "North" in plain
    assert sealed.startswith("hp1.") and SECRET not in sealed
    again = Contact.objects.get(pk=contact.pk)
    assert again.custom == {"policy": SECRET, "clinic": "North"}
    context = contact_context(again)
    assert (
        render("Policy {{ custom.policy }} at {{ custom.clinic }}", context)
        == f"Policy {SECRET} at North"
    )


def test_the_ciphertext_only_opens_on_its_own_contact(org_a, policy):
    first = Contact.objects.create(
        organization=org_a, name="A", email="a@example.com", custom={"policy": SECRET}
    )
    second = Contact.objects.create(organization=org_a, name="B", email="b@example.com")
    Contact.objects.filter(pk=second.pk).update(
        custom_sensitive_encrypted=first.custom_sensitive_encrypted
    )
    with pytest.raises(DecryptionError):
        Contact.objects.get(pk=second.pk).custom  # noqa: B018


def test_the_contact_form_saves_a_sensitive_value_encrypted(alice_client, org_a, policy):
    response = alice_client.post(
        "/contacts/new/",
        {
            "name": "Ana Ruiz",
            "email": "ana@example.com",
            "language": "en",
            "custom__policy": SECRET,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    contact = Contact.objects.get(organization=org_a)
    assert SECRET not in raw_columns(contact)[0]
    assert contact.custom == {"policy": SECRET}
    # The contact's page masks it until someone presses Reveal (audited).
    page = alice_client.get(f"/contacts/{contact.pk}/").content.decode()
    assert SECRET not in page and "••••" in page
    revealed = alice_client.post(f"/contacts/{contact.pk}/reveal/", {"value": "custom.policy"})
    assert SECRET in revealed.content.decode()
    # The edit form keeps it out of the page too: empty keeps it, a tick clears it.
    edit = alice_client.get(f"/contacts/{contact.pk}/edit/").content.decode()
    assert SECRET not in edit and "hidden here" in edit


def test_the_api_reads_and_writes_sensitive_values(org_a, alice, policy):
    api = ApiClient(create_key(org_a, "Booking", created_by=alice)[1])
    created = api.post(
        "contacts", {"name": "Ana Ruiz", "email": "ana@example.com", "custom": {"policy": SECRET}}
    )
    assert created.status_code == 201, created.json()
    contact = Contact.objects.get(pk=created.json()["id"])
    assert SECRET not in raw_columns(contact)[0]
    assert api.get(f"contacts/{contact.pk}").json()["custom"] == {"policy": SECRET}
    changed = api.patch(f"contacts/{contact.pk}", {"custom": {"policy": "POLICY-0002"}})
    assert changed.status_code == 200 and changed.json()["custom"] == {"policy": "POLICY-0002"}
    assert "POLICY-0002" not in raw_columns(contact)[0]


def test_an_import_stores_sensitive_columns_encrypted(org_a, policy):
    contact_import = make_import(
        org_a,
        f"Name,Email,Policy\nAna Ruiz,ana@example.com,{SECRET}\n",
        mapping=["name", "email", "custom.policy"],
    )
    run_import(contact_import.pk)
    contact = Contact.objects.get(organization=org_a)
    assert contact.custom == {"policy": SECRET}
    assert SECRET not in raw_columns(contact)[0]


def test_marking_a_field_sensitive_moves_existing_values_and_back(alice_client, org_a, clinic):
    contacts = [
        Contact.objects.create(
            organization=org_a,
            name=f"P{n}",
            email=f"p{n}@example.com",
            custom={"clinic": f"Clinic {n}"},
        )
        for n in range(3)
    ]
    empty = Contact.objects.create(organization=org_a, name="None", email="none@example.com")
    assert all("Clinic" in raw_columns(c)[0] for c in contacts)

    response = alice_client.post(
        f"/settings/fields/{clinic.pk}/edit/",
        {"label": "Clinic", "field_type": "text", "sensitive": "on"},
    )
    assert response.status_code == 302
    assert CustomField.objects.get(pk=clinic.pk).sensitive
    for n, contact in enumerate(contacts):
        plain, sealed = raw_columns(contact)
        assert "Clinic" not in plain and sealed.startswith("hp1.")
        assert Contact.objects.get(pk=contact.pk).custom == {"clinic": f"Clinic {n}"}
    assert raw_columns(empty)[1] == ""
    event = Event.objects.filter(kind=EventKind.FIELDS_CHANGED).latest("id")
    assert event.detail["fields"] == "sensitive" and "Clinic 0" not in str(event.detail)
    assert "Sensitive, encrypted" in alice_client.get("/settings/fields/").content.decode()

    alice_client.post(
        f"/settings/fields/{clinic.pk}/edit/", {"label": "Clinic", "field_type": "text"}
    )
    assert not CustomField.objects.get(pk=clinic.pk).sensitive
    for n, contact in enumerate(contacts):
        plain, sealed = raw_columns(contact)
        assert f"Clinic {n}" in plain and sealed == ""
        assert Contact.objects.get(pk=contact.pk).custom == {"clinic": f"Clinic {n}"}


def test_a_new_field_can_be_created_sensitive(alice_client, org_a):
    response = alice_client.post(
        "/settings/fields/new/",
        {"key": "ssn", "label": "SSN", "field_type": "text", "sensitive": "on"},
    )
    assert response.status_code == 302
    assert CustomField.objects.get(organization=org_a, key="ssn").sensitive


def test_checks_and_deletes_find_sensitive_values(alice_client, org_a, policy):
    contact = Contact.objects.create(
        organization=org_a, name="A", email="a@example.com", custom={"policy": SECRET}
    )
    response = alice_client.post(
        f"/settings/fields/{policy.pk}/edit/",
        {"label": "Policy", "field_type": "number", "sensitive": "on"},
    )
    assert response.status_code == 200
    assert "1 contact has a value" in response.content.decode()
    page = alice_client.get(f"/settings/fields/{policy.pk}/delete/").content.decode()
    assert "1 contact has a value in it" in page
    assert alice_client.post(f"/settings/fields/{policy.pk}/delete/").status_code == 302
    contact = Contact.objects.get(pk=contact.pk)
    assert contact.custom == {} and contact.custom_sensitive_encrypted == ""


def test_the_api_lists_fields_and_changes_their_sensitivity(org_a, org_b, alice, clinic, policy):
    api = ApiClient(create_key(org_a, "Booking", created_by=alice)[1])
    CustomField.objects.create(organization=org_b, key="case_no", label="Case number")
    contact = Contact.objects.create(
        organization=org_a, name="A", email="a@example.com", custom={"clinic": "North"}
    )

    listed = api.get("settings/fields")
    assert listed.status_code == 200
    assert listed.json() == [
        {"key": "clinic", "label": "Clinic", "type": "text", "sensitive": False},
        {"key": "policy", "label": "Policy number", "type": "text", "sensitive": True},
    ]

    changed = api.patch("settings/fields/clinic", {"sensitive": True})
    assert changed.status_code == 200 and changed.json()["sensitive"] is True
    assert "North" not in raw_columns(contact)[0]
    assert Contact.objects.get(pk=contact.pk).custom == {"clinic": "North"}
    event = Event.objects.filter(kind=EventKind.FIELDS_CHANGED).latest("id")
    assert event.actor_label == "api: Booking" and event.detail["fields"] == "sensitive"

    assert api.patch("settings/fields/case_no", {"sensitive": True}).status_code == 404
    assert not CustomField.objects.get(organization=org_b).sensitive
    refused = api.patch("settings/fields/clinic", {"type": "number"})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "type"
    assert "not a number" in refused.json()["errors"][0]["message"]
    assert api.patch("settings/fields/clinic", {"label": "  "}).status_code == 422


def test_the_browser_is_asked_not_to_remember_sensitive_values(alice_client, policy, clinic):
    page = alice_client.get("/contacts/new/").content.decode()
    policy_input = next(tag for tag in page.split("<input") if 'name="custom__policy"' in tag)
    clinic_input = next(tag for tag in page.split("<input") if 'name="custom__clinic"' in tag)
    assert 'autocomplete="off"' in policy_input and 'autocomplete="off"' not in clinic_input
