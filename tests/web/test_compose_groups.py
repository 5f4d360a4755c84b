"""Compose to a group: all contacts, contacts whose field is a value, a day's
appointments — counted before sending, sent inline when small, fanned out when large."""

from datetime import UTC, datetime, timedelta

import pytest

from hushpost.appointments.models import Appointment
from hushpost.contacts.models import Contact, CustomField
from hushpost.delivery.models import Delivery
from hushpost.messaging.models import FanOut, Send
from tests.web.test_compose import URL, contact, enable_secure, errors, post

pytestmark = pytest.mark.django_db


def people(org, n, **fields):
    return Contact.objects.bulk_create(
        Contact(organization=org, name=f"Person {i:03d}", phone=f"+1415555{i:04d}", **fields)
        for i in range(n)
    )


def test_the_preview_counts_the_group_before_anything_is_sent(alice_client, org_a):
    enable_secure(org_a)
    people(org_a, 7)
    response = alice_client.post(
        URL, {"group": "all", "channel": "sms", "secure": "on", "body": "Hi", "action": "preview"}
    )
    html = response.content.decode()
    assert "Goes to <strong>7</strong> recipients; shown for Person 000." in html
    assert not Send.objects.exists()


def test_all_contacts_small_is_sent_at_once(alice_client, org_a, org_b):
    enable_secure(org_a)
    people(org_a, 3)
    contact(org_b, "Not Ours", phone="+447700900123")
    response = post(alice_client, [], group="all", secure="on")
    send = Send.objects.get()
    assert response.url == f"/sends/{send.pk}/"
    assert send.fan_out == FanOut.DONE and Delivery.objects.filter(send=send).count() == 3


def test_a_large_group_is_accepted_and_left_to_a_worker(alice_client, org_a):
    enable_secure(org_a)
    people(org_a, 101)
    response = post(alice_client, [], group="all", secure="on")
    send = Send.objects.get()
    assert response.status_code == 302 and send.fan_out == FanOut.QUEUED
    assert send.recipients == 101 and not Delivery.objects.exists()


def test_contacts_whose_field_is_a_value(alice_client, org_a):
    enable_secure(org_a)
    CustomField.objects.create(organization=org_a, key="clinic", label="Clinic")
    north = people(org_a, 2, custom_plain={"clinic": "North"})
    contact(org_a, "South Person", phone="+14155550999", custom_plain={"clinic": "South"})
    post(alice_client, [], group="custom", group_field="clinic", group_value="North", secure="on")
    sent_to = set(Delivery.objects.values_list("contact_id", flat=True))
    assert sent_to == {c.pk for c in north}


def test_appointments_on_a_day_each_with_its_own_fields(alice_client, org_a):
    jane = contact(org_a, "Jane Roe", phone="+14155550100")
    start = datetime(2026, 12, 3, 15, 0, tzinfo=UTC)
    Appointment.objects.create(
        organization=org_a, contact=jane, start=start, end=start + timedelta(hours=1), title="MRI"
    )
    post(
        alice_client,
        [],
        group="day",
        group_day="2026-12-03",
        body="Reminder: {{ appointment.title }}",
    )
    assert Delivery.objects.get().body == "Reminder: MRI"


def test_an_empty_group_or_a_missing_day_is_a_form_error(alice_client, org_a):
    response = post(alice_client, [], group="all")
    assert errors(response, "group") == ["Nobody is in this group."]
    response = post(alice_client, [], group="day", group_day="")
    assert errors(response, "group_day") == ["Choose a day."]
    assert not Send.objects.exists()


def test_the_group_preview_shows_the_message_for_its_first_recipient(alice_client, org_a):
    enable_secure(org_a)
    people(org_a, 2)
    response = alice_client.post(
        URL,
        {
            "group": "all",
            "channel": "sms",
            "secure": "on",
            "body": "Hello {{ contact.first_name }}",
            "action": "preview",
        },
    )
    html = response.content.decode()
    assert "Hello Person" in html and "No message yet." not in html
