"""R12: the organization's contact line on every contact page, and the PIN hint."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from hushpost.contacts.models import CustomField
from hushpost.messaging.models import SecureMessagingSettings
from tests.portal.conftest import make_link, signed_in

pytestmark = pytest.mark.django_db

ORG_PAGE = "/settings/organization/"


def org_form(org, **changes):
    return {
        "name": org.name,
        "company_name": org.company_name,
        "time_zone": org.time_zone,
        "country": org.country,
        **changes,
    }


@pytest.fixture
def help_line(org_a):
    org_a.help_phone = "+1 415 555 0100"
    org_a.help_hours = "Monday to Friday, 8 am to 6 pm"
    org_a.save()
    return org_a


def test_the_contact_line_is_on_the_pin_page_the_conversation_and_the_expired_page(
    client, help_line, pin_link
):
    link, raw = pin_link
    pin_page = client.get(f"/s/{raw}").content.decode()
    assert "Questions or stuck? Call Riverside Clinic:" in pin_page
    assert '<a href="tel:+14155550100">+1 415 555 0100</a>' in pin_page
    assert "(Monday to Friday, 8 am to 6 pm)" in pin_page
    conversation = signed_in(client, raw).get("/s/conversation/").content.decode()
    assert "+1 415 555 0100" in conversation
    with time_machine.travel(link.expires_at + timedelta(minutes=1)):
        expired = client.get(f"/s/{raw}").content.decode()
    assert "This link has expired" in expired and "+1 415 555 0100" in expired


def test_no_contact_line_is_shown_until_the_organization_sets_one(client, pin_link):
    assert "Questions or stuck?" not in client.get(f"/s/{pin_link[1]}").content.decode()


def test_the_page_of_a_bad_link_names_no_organization_and_no_phone(client, help_line):
    page = client.get("/s/" + "x" * 43).content.decode()
    assert "+1 415 555 0100" not in page and "Riverside" not in page


def test_an_admin_sets_the_contact_line_and_the_hint_on_the_organization_page(alice_client, org_a):
    response = alice_client.post(
        ORG_PAGE,
        org_form(
            org_a,
            help_phone="+1 415 555 0100",
            help_hours="9 to 5",
            pin_hint="The last four digits of your phone number",
        ),
    )
    assert response.status_code == 302
    org_a.refresh_from_db()
    assert (org_a.help_phone, org_a.help_hours, org_a.pin_hint) == (
        "+1 415 555 0100",
        "9 to 5",
        "The last four digits of your phone number",
    )


def test_the_pin_hint_is_rendered_for_the_contact_above_the_pin_box(client, org_a, pin_link):
    org_a.pin_hint = "{{ contact.first_name }}, use the PIN from your appointment card."
    org_a.save()
    page = client.get(f"/s/{pin_link[1]}").content.decode()
    assert (
        '<p id="pin-hint" class="portal-hint">Jane, use the PIN from your appointment card.</p>'
        in page
    )
    assert 'aria-describedby="pin-hint"' in page


def test_a_link_without_a_pin_shows_no_hint(client, org_a, jane, secret_message):
    org_a.pin_hint = "Your date of birth as DDMMYYYY"
    org_a.save()
    _, raw = make_link(jane, secret_message, pin=None)
    assert "DDMMYYYY" not in client.get(f"/s/{raw}").content.decode()


def test_a_hint_that_renders_to_the_pin_itself_is_never_shown(client, org_a, jane, secret_message):
    # Saved before the contact's PIN became their first name: the page still holds it back.
    org_a.pin_hint = "Hello {{ contact.first_name }}: the PIN is on your card."
    org_a.save()
    _, raw = make_link(jane, secret_message, pin="jane")
    page = client.get(f"/s/{raw}").content.decode()
    assert "pin-hint" not in page and "the PIN is on your card" not in page


def test_a_hint_that_uses_the_default_pins_field_is_refused(alice_client, org_a):
    CustomField.objects.create(organization=org_a, key="dob", label="Date of birth")
    settings = SecureMessagingSettings.objects.for_org(org_a)
    settings.default_pin = "{{ custom.dob }}"
    settings.save()
    response = alice_client.post(
        ORG_PAGE, org_form(org_a, pin_hint="Your date of birth: {{ custom.dob }}")
    )
    assert response.status_code == 200
    assert "the hint uses {{ custom.dob }}, which the PIN can come from" in (
        response.content.decode().replace("&#x27;", "'")
    )
    org_a.refresh_from_db()
    assert org_a.pin_hint == ""


def test_a_hint_that_uses_a_pin_field_or_a_sensitive_field_is_refused(alice_client, org_a):
    CustomField.objects.create(organization=org_a, key="portal_pin", label="Portal PIN")
    CustomField.objects.create(organization=org_a, key="mrn", label="Record no.", sensitive=True)
    for hint in ("Yours is {{ custom.portal_pin }}", "Record {{ custom.mrn }}"):
        response = alice_client.post(ORG_PAGE, org_form(org_a, pin_hint=hint))
        assert response.status_code == 200
        assert "which the PIN can come from" in response.content.decode()


def test_a_hint_that_spells_out_the_literal_default_pin_is_refused(alice_client, org_a):
    settings = SecureMessagingSettings.objects.for_org(org_a)
    settings.default_pin = "R1verside"
    settings.save()
    response = alice_client.post(ORG_PAGE, org_form(org_a, pin_hint="It is r1verside, as always"))
    assert "the hint contains the default PIN itself" in response.content.decode()


def test_a_hint_with_an_unknown_field_is_refused_with_the_place(alice_client, org_a):
    response = alice_client.post(ORG_PAGE, org_form(org_a, pin_hint="{{ contact.fone }}"))
    page = response.content.decode()
    assert "Line 1, column 4: unknown field contact.fone (did you mean contact.phone?)" in page


def test_the_email_preferences_page_carries_the_contact_line_too(client, help_line, jane):
    from urllib.parse import urlsplit

    from hushpost.delivery.unsubscribe import unsubscribe_url

    page = client.get(urlsplit(unsubscribe_url(jane.pk, jane.email)).path).content.decode()
    assert "Questions or stuck? Call Riverside Clinic:" in page and "+1 415 555 0100" in page
