"""R12: the template editors warn — never refuse — when text that travels in clear
carries fields that may be sensitive."""

from __future__ import annotations

import pytest

from hushpost.contacts.models import CustomField
from hushpost.messaging.models import SecureMessagingSettings
from hushpost.messaging.template_warnings import sensitive_fields_in
from tests.web.test_auto_messages import GOOD as AUTO
from tests.web.test_secure_settings import GOOD, URL

pytestmark = pytest.mark.django_db

WARNING = "This text travels in clear and may say more than it should."


@pytest.fixture
def diagnosis(org_a):
    return CustomField.objects.create(
        organization=org_a, key="diagnosis", label="Diagnosis", sensitive=True
    )


def test_a_notification_with_a_sensitive_field_is_saved_with_a_warning(
    alice_client, org_a, diagnosis
):
    body = "About your {{ custom.diagnosis }}: {{ secure_link }}"
    response = alice_client.post(URL, {**GOOD, "body": body, "action": "preview"})
    page = response.content.decode()
    assert WARNING in page and "It uses Diagnosis (a sensitive field)." in page
    saved = alice_client.post(URL, {**GOOD, "body": body})
    assert saved.status_code == 302  # a warning, not a refusal
    assert SecureMessagingSettings.objects.get(organization=org_a).body == body
    assert WARNING in alice_client.get(URL).content.decode()


def test_a_notification_with_only_the_link_and_a_name_has_no_warning(alice_client, diagnosis):
    page = alice_client.post(URL, {**GOOD, "action": "preview"}).content.decode()
    assert WARNING not in page


def test_a_plain_auto_message_with_the_appointments_title_place_and_time_warns(alice_client):
    body = "{{ appointment.title }} at {{ appointment.location }}, {{ appointment.start_time }}"
    page = alice_client.post(
        "/auto-messages/new/", {**AUTO, "body": body, "action": "preview"}
    ).content.decode()
    assert WARNING in page
    assert (
        "It uses the appointment's location, the appointment's date or time and "
        "the appointment's title." in page.replace("&#x27;", "'")
    )


def test_a_secure_auto_message_keeps_its_text_here_and_has_no_warning(alice_client, org_a):
    settings = SecureMessagingSettings.objects.for_org(org_a)
    settings.enabled = True
    settings.save()
    body = "{{ appointment.title }} at {{ appointment.location }}"
    page = alice_client.post(
        "/auto-messages/new/", {**AUTO, "body": body, "secure": "on", "action": "preview"}
    ).content.decode()
    assert WARNING not in page


def test_what_counts_as_sensitive(org_a, diagnosis):
    CustomField.objects.create(organization=org_a, key="clinic_room", label="Room")
    found = sensitive_fields_in(
        org_a,
        [
            "{{ custom.clinic_room }} {{ appointment.end_date }} {{ appointment.start_date }}",
            "{{ custom.diagnosis }} {{ contact.first_name }} {{ secure_link }}",
        ],
    )
    assert found == ["the appointment's date or time", "Diagnosis (a sensitive field)"]
