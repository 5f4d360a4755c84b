"""PINs and sensitive custom fields are masked (••••) on staff pages and previews;
Reveal shows one, and the audit trail records who, which contact, what and when."""

import pytest

from hushpost.activity.models import Event, EventKind
from hushpost.contacts.models import CustomField
from hushpost.messaging.models import SecureMessagingSettings
from tests.api.helpers import make_contact

pytestmark = pytest.mark.django_db

DOB = "1984-03-02"


@pytest.fixture
def jane(org_a):
    CustomField.objects.create(
        organization=org_a, key="date_of_birth", label="Date of birth", sensitive=True
    )
    CustomField.objects.create(organization=org_a, key="ward", label="Ward")
    CustomField.objects.create(
        organization=org_a, key="portal_pin", label="Portal PIN", sensitive=True
    )
    jane = make_contact(org_a, "Jane Roe", pin="Own7316")
    jane.custom = {"date_of_birth": DOB, "ward": "East", "portal_pin": "5521"}
    jane.save()
    return jane


def reveals():
    return Event.objects.filter(kind=EventKind.SENSITIVE_VALUE_REVEALED)


def test_the_contact_page_masks_the_pin_and_sensitive_fields_only(alice_client, jane):
    html = alice_client.get(f"/contacts/{jane.pk}/").content.decode()
    assert "Own7316" not in html and DOB not in html and "5521" not in html
    assert html.count('<span class="masked" aria-hidden="true">••••</span>') == 3
    assert "East" in html  # not sensitive
    assert not reveals().exists()


def test_reveal_shows_one_value_and_is_audited(bob_client, bob, jane):
    response = bob_client.post(f"/contacts/{jane.pk}/reveal/", {"value": "secure_pin"})
    html = response.content.decode()
    assert response.status_code == 200
    assert '<code class="pin" data-revealed>Own7316</code>' in html and DOB not in html
    event = reveals().get()
    assert (event.actor, event.contact, event.detail["value"]) == (bob, jane, "the secure PIN")
    assert event.detail["via"] == "contact page"
    response = bob_client.post(f"/contacts/{jane.pk}/reveal/", {"value": "custom.date_of_birth"})
    assert DOB in response.content.decode() and "Own7316" not in response.content.decode()
    assert reveals().latest("id").detail["value"] == "Date of birth"


def test_the_audit_page_says_who_revealed_what_of_whom(client, alice, bob, jane):
    client.force_login(bob)
    client.post(f"/contacts/{jane.pk}/reveal/", {"value": "secure_pin"})
    client.force_login(alice)
    html = client.get("/audit/").content.decode()
    assert "Bob Stone revealed the secure PIN of" in html


def test_reveal_refuses_other_values_gets_and_other_organizations(
    alice_client, jane, org_b, mallory
):
    for name in ("custom.ward", "custom.nope", "email", ""):
        response = alice_client.post(f"/contacts/{jane.pk}/reveal/", {"value": name}, follow=True)
        assert "There is no such masked value on this contact." in response.content.decode()
    assert alice_client.get(f"/contacts/{jane.pk}/reveal/").status_code == 405
    theirs = make_contact(org_b, "Hidden Person", pin="9999")
    assert (
        alice_client.post(f"/contacts/{theirs.pk}/reveal/", {"value": "secure_pin"}).status_code
        == 404
    )
    assert not reveals().exists()


def test_the_contact_list_says_where_each_pin_comes_from_without_showing_it(
    alice_client, org_a, jane
):
    settings = SecureMessagingSettings.objects.for_org(org_a)
    settings.default_pin = "{{ custom.portal_pin }}"
    settings.save()
    field_person = make_contact(org_a, "Field Person", email="f@example.com")
    field_person.custom = {"portal_pin": "8080"}
    field_person.save()
    make_contact(org_a, "Empty Field", email="e@example.com")
    html = alice_client.get("/contacts/").content.decode()
    rows = {
        name: html.split(f">{name}</a>", 1)[1].split("</tr>", 1)[0]
        for name in ("Jane Roe", "Field Person", "Empty Field")
    }
    assert "Own PIN" in rows["Jane Roe"]
    assert "From the Portal PIN field" in rows["Field Person"] and "8080" not in html
    assert "the Portal PIN field is empty (secure messages held)" in rows["Empty Field"]
    settings.default_pin = "2468"
    settings.save()
    html = alice_client.get("/contacts/").content.decode()
    assert "Organization&#x27;s default PIN" in html and "2468" not in html


def test_the_compose_preview_masks_the_pin_and_sensitive_values_until_revealed(
    alice_client, org_a, alice, jane
):
    settings = SecureMessagingSettings.objects.for_org(org_a)
    settings.enabled = True
    settings.save()
    form = {
        "contacts": [str(jane.pk)],
        "channel": "sms",
        "secure": "on",
        "body": "Born {{ custom.date_of_birth }}, ward {{ custom.ward }}.",
        "preview_contact": str(jane.pk),
    }
    html = alice_client.post("/compose/preview/", form, HTTP_HX_REQUEST="true").content.decode()
    assert "Born ••••, ward East." in html and DOB not in html
    assert '<span class="masked">••••</span>' in html and "Own7316" not in html
    assert not reveals().exists()
    html = alice_client.post(
        "/compose/preview/", {**form, "reveal": "1"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert f"Born {DOB}, ward East." in html and '<code class="pin">Own7316</code>' in html
    event = reveals().get()
    assert event.contact == jane and event.actor == alice
    assert event.detail["via"] == "compose preview"


def test_the_auto_message_preview_masks_sensitive_values(alice_client, jane):
    form = {
        "channel": "sms",
        "timing": "before_start",
        "amount": "1",
        "unit": "days",
        "body": "Hello {{ contact.first_name }}, born {{ custom.date_of_birth }}",
        "enabled": "on",
        "preview_contact": str(jane.pk),
    }
    html = alice_client.post(
        "/auto-messages/preview/", form, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "Hello Jane, born ••••" in html and DOB not in html
    html = alice_client.post(
        "/auto-messages/preview/", {**form, "reveal": "1"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert f"born {DOB}" in html
    assert reveals().get().detail["via"] == "auto message preview"
