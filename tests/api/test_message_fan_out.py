"""POST /messages to more than 100 recipients: accepted at once, fanned out by a worker,
followed through counts and a paged list of deliveries; filters; Idempotency-Key."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from hushpost.appointments.models import Appointment, AppointmentStatus
from hushpost.contacts.models import Contact, CustomField
from hushpost.delivery.models import Delivery
from hushpost.messaging.fan_out import run_fan_out
from hushpost.messaging.models import FanOut, Message, Send
from tests.api.helpers import field_errors, make_contact

pytestmark = pytest.mark.django_db

SMS = {"channel": "sms", "secure": True, "body": "Your results are in, {{ contact.first_name }}."}


def many_contacts(org, n: int, **fields) -> list[Contact]:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return Contact.objects.bulk_create(
        Contact(
            organization=org,
            name=f"Person {i:05d}",
            phone=f"+1415555{i:04d}",
            created_at=start + timedelta(seconds=i),
            **fields,
        )
        for i in range(n)
    )


def test_a_send_to_150_answers_202_at_once_and_a_worker_makes_the_deliveries(api, org_a, secure_on):
    contacts = many_contacts(org_a, 149)
    opted_out = make_contact(org_a, "Olive Out", phone="+14155559999", sms_opt_out=True)
    ids = [str(c.pk) for c in contacts] + [str(opted_out.pk)]

    response = api.post("messages", {"contact_ids": ids, **SMS})

    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "fanning_out" and body["recipients"] == 150
    assert body["deliveries"] is None and sum(body["counts"].values()) == 0
    assert not Delivery.objects.exists() and not Message.objects.exists()

    run_fan_out(body["id"], batch_size=40)

    after = api.get(f"messages/{body['id']}").json()
    assert after["status"] == "queued" and after["recipients"] == 150
    # Opt-outs are held exactly as in a send made inline.
    assert after["counts"] == {
        "queued": 149,
        "sending": 0,
        "sent": 0,
        "delivered": 0,
        "failed": 0,
        "held": 1,
    }
    held = Delivery.objects.get(contact=opted_out)
    assert held.reason == "opted out of text messages"
    assert Message.objects.filter(send_id=body["id"]).count() == 149
    send = Send.objects.get(pk=body["id"])
    # What to send and to whom is not kept once every recipient has a delivery.
    assert send.fan_out == FanOut.DONE and send.content_encrypted == "" and send.recipient_ids == {}


def test_the_deliveries_of_a_large_send_page_by_cursor_without_doubles(api, org_a, secure_on):
    contacts = many_contacts(org_a, 120)
    sent = api.post("messages", {"contact_ids": [str(c.pk) for c in contacts], **SMS}).json()
    run_fan_out(sent["id"])

    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 50, **({"cursor": cursor} if cursor else {})}
        page = api.get(f"messages/{sent['id']}/deliveries", params).json()
        assert page["count"] == 120
        seen += [item["contact_id"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == 3 and sorted(seen) == sorted(str(c.pk) for c in contacts)
    held = api.get(f"messages/{sent['id']}/deliveries", {"status": "held"}).json()
    assert held["count"] == 0 and held["items"] == []


def test_another_organizations_send_has_no_deliveries_to_list(api, api_b, org_b):
    theirs = make_contact(org_b, "Hidden", phone="+447700900123")
    sent = api_b.post(
        "messages",
        {"contact_ids": [str(theirs.pk)], "channel": "sms", "secure": False, "body": "x"},
    ).json()
    assert api.get(f"messages/{sent['id']}/deliveries").status_code == 404


def test_a_small_send_keeps_its_inline_deliveries_and_reports_counts(api, dana, secure_on):
    body = api.post("messages", {"contact_ids": [str(dana.pk)], **SMS}).json()
    assert body["status"] == "queued" and body["recipients"] == 1
    assert body["counts"]["queued"] == 1 and len(body["deliveries"]) == 1


def test_all_contacts_filter_sends_to_every_contact_of_the_organization(
    api, org_a, org_b, secure_on
):
    mine = many_contacts(org_a, 3)
    make_contact(org_b, "Not Mine", phone="+447700900123")
    body = api.post("messages", {"filter": {"all_contacts": True}, **SMS}).json()
    assert body["recipients"] == 3
    assert {d["contact_id"] for d in body["deliveries"]} == {str(c.pk) for c in mine}


def test_custom_filter_matches_the_stored_value(api, org_a, secure_on):
    CustomField.objects.create(organization=org_a, key="clinic", label="Clinic")
    north = many_contacts(org_a, 2, custom_plain={"clinic": "North"})
    many_contacts(org_a, 2, custom_plain={"clinic": "South"})
    body = api.post("messages", {"filter": {"custom": {"clinic": "North"}}, **SMS}).json()
    assert {d["contact_id"] for d in body["deliveries"]} == {str(c.pk) for c in north}


def test_custom_filter_refuses_unknown_and_sensitive_fields(api, org_a, secure_on):
    CustomField.objects.create(organization=org_a, key="ssn", label="SSN", sensitive=True)
    errors = field_errors(api.post("messages", {"filter": {"custom": {"nope": "1"}}, **SMS}))
    assert errors == {"filter": "There is no custom field “nope”."}
    errors = field_errors(api.post("messages", {"filter": {"custom": {"ssn": "1"}}, **SMS}))
    assert "stored encrypted" in errors["filter"]


def test_appointments_on_a_day_in_the_organizations_zone(api, org_a, dana, secure_on):
    # Riverside is in New York: 23:30 on the 3rd there is the 4th in UTC.
    late = datetime(2026, 12, 4, 4, 30, tzinfo=UTC)
    kept = Appointment.objects.create(
        organization=org_a, contact=dana, start=late, end=late + timedelta(hours=1), title="Late"
    )
    Appointment.objects.create(
        organization=org_a,
        contact=dana,
        start=late - timedelta(hours=2),
        end=late,
        title="Cancelled",
        status=AppointmentStatus.CANCELLED,
    )
    Appointment.objects.create(
        organization=org_a,
        contact=dana,
        start=late + timedelta(days=1),
        end=late + timedelta(days=1, hours=1),
        title="Next day",
    )
    body = api.post(
        "messages",
        {
            "filter": {"appointments_on": str(date(2026, 12, 3))},
            "channel": "sms",
            "secure": False,
            "body": "Tomorrow: {{ appointment.title }}",
        },
    ).json()
    assert body["recipients"] == 1
    delivery = Delivery.objects.get(pk=body["deliveries"][0]["id"])
    assert delivery.body == "Tomorrow: Late"
    assert delivery.idempotency_key.endswith(str(kept.pk))


def test_a_filter_with_ids_or_with_two_rules_is_refused(api, dana, secure_on):
    errors = field_errors(
        api.post(
            "messages", {"contact_ids": [str(dana.pk)], "filter": {"all_contacts": True}, **SMS}
        )
    )
    assert errors == {"filter": "Give contact_ids or filter, not more than one."}
    errors = field_errors(
        api.post(
            "messages",
            {"filter": {"all_contacts": True, "appointments_on": "2026-12-03"}, **SMS},
        )
    )
    assert errors == {"filter": "Give exactly one of all_contacts, custom or appointments_on."}


def test_a_filter_that_matches_nobody_says_so(api, secure_on):
    errors = field_errors(api.post("messages", {"filter": {"all_contacts": True}, **SMS}))
    assert errors == {"contact_ids": "Choose at least one contact."}


# Idempotency-Key ---------------------------------------------------------------


def test_a_retry_with_the_same_key_returns_the_same_send_and_sends_nothing_more(
    api, dana, secure_on
):
    request = {"contact_ids": [str(dana.pk)], **SMS}
    first = api.post("messages", request, HTTP_IDEMPOTENCY_KEY="order-7781")
    again = api.post("messages", request, HTTP_IDEMPOTENCY_KEY="order-7781")
    assert first.status_code == 202 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["deliveries"] == first.json()["deliveries"]
    assert Send.objects.count() == 1 and Delivery.objects.count() == 1


def test_the_same_key_with_a_different_request_is_refused(api, dana, secure_on):
    api.post("messages", {"contact_ids": [str(dana.pk)], **SMS}, HTTP_IDEMPOTENCY_KEY="k1")
    changed = {"contact_ids": [str(dana.pk)], **SMS, "body": "Something else"}
    errors = field_errors(api.post("messages", changed, HTTP_IDEMPOTENCY_KEY="k1"))
    assert "used for a different request" in errors["Idempotency-Key"]
    assert Send.objects.count() == 1


def test_keys_are_per_api_key(api, api_b, org_b, dana, secure_on):
    theirs = make_contact(org_b, "Hidden", phone="+447700900123")
    mine = api.post("messages", {"contact_ids": [str(dana.pk)], **SMS}, HTTP_IDEMPOTENCY_KEY="same")
    other = api_b.post(
        "messages",
        {"contact_ids": [str(theirs.pk)], "channel": "sms", "secure": False, "body": "Hi"},
        HTTP_IDEMPOTENCY_KEY="same",
    )
    assert other.status_code == 202 and other.json()["id"] != mine.json()["id"]


def test_a_retried_large_send_is_the_same_send_while_it_fans_out(api, org_a, secure_on):
    request = {"contact_ids": [str(c.pk) for c in many_contacts(org_a, 101)], **SMS}
    first = api.post("messages", request, HTTP_IDEMPOTENCY_KEY="bulk-1")
    again = api.post("messages", request, HTTP_IDEMPOTENCY_KEY="bulk-1")
    assert first.status_code == 202 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"] and again.json()["status"] == "fanning_out"
    assert Send.objects.count() == 1
