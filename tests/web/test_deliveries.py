"""The Deliveries page: failed and held-back deliveries, their reasons, and Retry."""

import datetime as dt
import itertools

import pytest
from django.utils import timezone

from hushpost.activity.models import Event, EventKind
from hushpost.contacts.models import Contact
from hushpost.delivery.lifecycle import claim_due
from hushpost.delivery.models import Delivery, DeliveryStatus
from hushpost.delivery.retry_policy import AMBIGUOUS_CODE, AMBIGUOUS_REASON

pytestmark = pytest.mark.django_db
URL = "/deliveries/"
_keys = itertools.count(1)


@pytest.fixture
def jane(org_a):
    return Contact.objects.create(
        organization=org_a, name="Jane Doe", phone="+14155550100", email="jane@example.com"
    )


def delivery(contact, status, *, channel="sms", reason="", code="", created_at=None, to=None):
    to = to if to is not None else (contact.email if channel == "email" else contact.phone)
    return Delivery.objects.create(
        organization=contact.organization,
        contact=contact,
        channel=channel,
        to=to,
        status=status,
        reason=reason,
        error_code=code,
        attempts=1 if status != DeliveryStatus.HELD else 0,
        idempotency_key=f"web:{next(_keys)}",
        created_at=created_at or timezone.now(),
        failed_at=timezone.now() if status == DeliveryStatus.FAILED else None,
        attempt_log=[
            {"at": "2026-03-01T10:00:00+00:00", "attempt": 1, "error": reason, "retry_at": None}
        ]
        if status == DeliveryStatus.FAILED
        else [],
    )


def rows(response):
    return [d.pk for d in response.context["page"].object_list]


def test_by_default_it_lists_what_needs_attention_with_reasons_and_codes(alice_client, jane):
    failed = delivery(
        jane,
        DeliveryStatus.FAILED,
        reason="the phone number is not valid (Twilio 21211)",
        code="21211",
    )
    held = delivery(jane, DeliveryStatus.HELD, channel="email", reason="opted out of email")
    delivery(jane, DeliveryStatus.SENT)
    delivery(jane, DeliveryStatus.QUEUED)
    smtp = delivery(
        jane,
        DeliveryStatus.FAILED,
        channel="email",
        reason="the mail server refused the address",
        code="550",
    )
    response = alice_client.get(URL)
    assert response.status_code == 200
    assert set(rows(response)) == {failed.pk, held.pk, smtp.pk}
    body = response.content.decode()
    assert 'aria-current="page">Deliveries</a>' in body
    assert "the phone number is not valid (Twilio 21211)" in body and "opted out of email" in body
    assert "code 550" in body  # a code not already in the reason is shown beside it
    assert body.count('name="confirm_not_sent"') == 0
    assert body.count(">Retry</button>") == 2  # failed rows only
    assert f"/contacts/{jane.pk}/" in body


def test_filters_by_status_channel_dates_and_contact(alice_client, jane, org_a):
    sam = Contact.objects.create(organization=org_a, name="Sam Poe", email="sam@example.com")
    sent = delivery(jane, DeliveryStatus.SENT)
    email_failed = delivery(
        sam, DeliveryStatus.FAILED, channel="email", reason="refused", code="550"
    )
    # 23:30 on March 3rd in New York is already the 4th in UTC: the day is the organization's.
    late = dt.datetime(2026, 3, 4, 4, 30, tzinfo=dt.UTC)
    old = delivery(jane, DeliveryStatus.HELD, reason="no mobile phone on file", created_at=late)

    assert rows(alice_client.get(URL, {"status": "sent"})) == [sent.pk]
    assert set(rows(alice_client.get(URL, {"status": "all"}))) == {sent.pk, email_failed.pk, old.pk}
    assert rows(alice_client.get(URL, {"channel": "email"})) == [email_failed.pk]
    assert rows(alice_client.get(URL, {"date_from": "2026-03-03", "date_to": "2026-03-03"})) == [
        old.pk
    ]
    assert rows(alice_client.get(URL, {"date_from": "2026-03-04", "date_to": "2026-03-04"})) == []
    assert rows(alice_client.get(URL, {"q": "sam"})) == [email_failed.pk]
    assert set(rows(alice_client.get(URL, {"status": "all", "q": "5550100"}))) == {old.pk, sent.pk}
    bad = alice_client.get(URL, {"date_from": "2026-03-05", "date_to": "2026-03-01"})
    assert rows(bad) == [] and "The end date is before the start date." in bad.content.decode()


def test_it_pages_by_fifty(alice_client, jane):
    for _ in range(51):
        delivery(jane, DeliveryStatus.HELD, reason="opted out of text messages")
    first = alice_client.get(URL)
    assert len(rows(first)) == 50 and "Page 1 of 2" in first.content.decode()
    assert len(rows(alice_client.get(URL, {"page": 2}))) == 1


def test_a_member_retries_a_failed_delivery(
    bob_client, bob, jane, django_capture_on_commit_callbacks
):
    failed = delivery(
        jane, DeliveryStatus.FAILED, reason="gave up after 5 attempts: Twilio answered 503", code=""
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = bob_client.post(f"{URL}{failed.pk}/retry/", {"next": f"{URL}?channel=sms"})
    assert response.status_code == 302 and response["Location"] == f"{URL}?channel=sms"
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.QUEUED and failed.reason == ""
    assert [d.pk for d in claim_due(10)] == [failed.pk]  # due for the workers at once
    assert Event.objects.get(delivery=failed, kind=EventKind.QUEUED).actor == bob
    page = bob_client.get(response["Location"])
    assert "Jane Doe: queued again" in page.content.decode()


def test_a_retry_is_refused_with_the_reason_when_the_contact_opted_out(alice_client, jane):
    failed = delivery(jane, DeliveryStatus.FAILED, reason="refused", code="21211")
    Contact.objects.filter(pk=jane.pk).update(sms_opt_out=True)
    response = alice_client.post(f"{URL}{failed.pk}/retry/", follow=True)
    assert "Not retried: opted out of text messages." in response.content.decode()
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.FAILED


@pytest.mark.parametrize("channel", ["email", "voice"])
def test_an_ambiguous_email_or_call_needs_the_checkbox(
    alice_client, jane, django_capture_on_commit_callbacks, channel
):
    # SMTP and calls keep no log Hushpost can ask: staff check the provider themselves.
    failed = delivery(
        jane, DeliveryStatus.FAILED, reason=AMBIGUOUS_REASON, code=AMBIGUOUS_CODE, channel=channel
    )
    page = alice_client.get(URL).content.decode()
    assert (
        'name="confirm_not_sent"' in page
        and "I checked the provider's log: it was not sent" in page
    )
    assert (
        "check the provider&#x27;s log" in page and "Hushpost is checking with Twilio" not in page
    )
    response = alice_client.post(f"{URL}{failed.pk}/retry/", follow=True)
    assert "Check the provider&#x27;s log first" in response.content.decode()
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.FAILED
    with django_capture_on_commit_callbacks(execute=True):
        alice_client.post(f"{URL}{failed.pk}/retry/", {"confirm_not_sent": "on"})
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.QUEUED


def test_an_ambiguous_text_message_says_it_settles_itself(alice_client, jane):
    failed = delivery(jane, DeliveryStatus.FAILED, reason=AMBIGUOUS_REASON, code=AMBIGUOUS_CODE)
    page = alice_client.get(URL).content.decode()
    assert "Hushpost is checking with Twilio — this settles itself within minutes" in page
    # No "check the provider" chore and no Retry for it: reconciliation settles it.
    row = page.split(f'data-delivery="{failed.pk}"', 1)[1].split("</tr>", 1)[0]
    assert "check the provider" not in row and "confirm_not_sent" not in row and "Retry" not in row
    response = alice_client.post(f"{URL}{failed.pk}/retry/", follow=True)
    assert "Hushpost is checking with Twilio" in response.content.decode()
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.FAILED


def test_retry_of_a_held_delivery_is_refused(alice_client, jane):
    held = delivery(jane, DeliveryStatus.HELD, reason="no email address on file", channel="email")
    response = alice_client.post(f"{URL}{held.pk}/retry/", follow=True)
    assert "Only failed deliveries can be retried" in response.content.decode()


def test_another_organizations_delivery_is_404_and_not_listed(alice_client, org_b):
    theirs = Contact.objects.create(organization=org_b, name="Hidden Person", phone="+447700900123")
    failed = delivery(theirs, DeliveryStatus.FAILED, reason="refused", code="21211")
    assert alice_client.post(f"{URL}{failed.pk}/retry/").status_code == 404
    assert alice_client.get(f"{URL}{failed.pk}/retry/").status_code == 404
    assert rows(alice_client.get(URL, {"status": "all"})) == []
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.FAILED


def test_an_outside_next_is_not_followed(alice_client, jane):
    failed = delivery(jane, DeliveryStatus.FAILED, reason="refused", code="21211")
    response = alice_client.post(f"{URL}{failed.pk}/retry/", {"next": "https://evil.example/"})
    assert response["Location"] == URL
