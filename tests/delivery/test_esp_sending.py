"""Email through an email service (Postmark, by django-anymail) to a stand-in over real HTTP.

The email channel keeps Postmark's MessageID as the delivery's provider id
and reads each API failure as retry, fail, or "may have been sent".
"""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from hushpost.activity.models import Event, EventKind
from hushpost.delivery.models import Delivery, DeliveryStatus
from hushpost.delivery.send import queue_delivery, send_delivery
from hushpost.messaging.compose import NewAttachment, send_message
from tests.delivery.conftest import NOTIFICATION, attempt, make_due
from tests.postmark_standin import Reply

pytestmark = pytest.mark.django_db


def headers_of(sent: dict) -> dict[str, str]:
    return {item["Name"]: item["Value"] for item in sent.get("Headers", [])}


def test_a_secure_notification_goes_to_postmark_and_keeps_its_message_id(
    queue, jane, postmark_standin
):
    delivery = queue("email", subject="A secure message from Riverside Clinic")
    assert send_delivery(delivery.pk) is True

    [request] = postmark_standin.requests
    assert request.path == "/email"
    assert request.headers["X-Postmark-Server-Token"] == postmark_standin.server_token
    [sent] = postmark_standin.sent
    assert sent["To"] == "jane@example.com"
    assert sent["Subject"] == "A secure message from Riverside Clinic"
    assert sent["TextBody"] == NOTIFICATION
    assert 'href="http://127.0.0.1:8000/s/Tk3n-abc_123"' in sent["HtmlBody"]
    assert "/o/" in sent["HtmlBody"]  # our open-tracking image
    headers = headers_of(sent)
    assert headers["Message-ID"] == f"<hushpost.{delivery.pk}@localhost>"
    assert "List-Unsubscribe" not in headers  # a secure notification is never bulk
    assert "Attachments" not in sent

    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.provider == "postmark"
    assert delivery.provider_id == sent["MessageID"]
    event = Event.objects.get(delivery=delivery, kind=EventKind.SENT)
    assert event.detail["provider_id"] == sent["MessageID"]


def test_a_plain_email_to_several_contacts_is_bulk_with_its_files_and_a_one_click_unsubscribe(
    org_a, jane, alice, postmark_standin
):
    from hushpost.contacts.models import Contact

    john = Contact.objects.create(organization=org_a, name="John Roe", email="john@example.com")
    result = send_message(
        org_a,
        contacts=[jane, john],
        channel="email",
        secure=False,
        subject="Closed on Friday",
        body="Hello {{ contact.name }}, the clinic is closed on Friday.",
        sender=alice,
        attachments=[NewAttachment("hours.txt", "text/plain", b"Mon-Thu 9-5")],
    )
    for outcome in result.outcomes:
        assert outcome.delivery.bulk is True
        assert send_delivery(outcome.delivery.pk) is True

    by_address = {sent["To"]: sent for sent in postmark_standin.sent}
    assert set(by_address) == {"jane@example.com", "john@example.com"}
    jane_mail = by_address["jane@example.com"]
    assert jane_mail["TextBody"] == "Hello Jane Doe, the clinic is closed on Friday."
    [attachment] = jane_mail["Attachments"]
    assert attachment["Name"] == "hours.txt" and attachment["ContentType"].startswith("text/plain")
    jane_headers, john_headers = headers_of(jane_mail), headers_of(by_address["john@example.com"])
    assert jane_headers["List-Unsubscribe"].startswith("<http://127.0.0.1:8000/u/")
    assert jane_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # Each contact gets their own address.
    assert jane_headers["List-Unsubscribe"] != john_headers["List-Unsubscribe"]


def test_one_plain_email_to_one_contact_is_not_bulk(org_a, jane, alice, postmark_standin):
    result = send_message(
        org_a,
        contacts=[jane],
        channel="email",
        secure=False,
        subject="Your results",
        body="Hello, your results are in.",
        sender=alice,
    )
    send_delivery(result.outcomes[0].delivery.pk)
    assert "List-Unsubscribe" not in headers_of(postmark_standin.sent[0])


def test_a_recipient_postmark_suppressed_fails_and_opts_the_contact_out(
    queue, jane, postmark_standin
):
    postmark_standin.inactive.add("jane@example.com")
    delivery = queue("email", subject="Hello")
    assert send_delivery(delivery.pk) is False
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert (
        delivery.reason
        == "Postmark won't send to this address: it bounced hard or marked email as spam before"
    )
    assert delivery.error_code == "esp_rejected"
    jane.refresh_from_db()
    assert jane.email_opt_out is True
    assert postmark_standin.sent == []
    assert [
        (e.kind, e.detail.get("reason"))
        for e in Event.objects.filter(delivery=delivery).order_by("id")
    ][-2:] == [
        (EventKind.FAILED, delivery.reason),
        (EventKind.EMAIL_OPTED_OUT, "suppressed_by_service"),
    ]


def test_an_address_postmark_calls_invalid_fails_for_good(queue, jane, postmark_standin):
    type(jane).objects.filter(pk=jane.pk).update(email="jane@localhost")
    delivery = queue("email", to="jane@localhost", subject="Hello")
    attempt(delivery)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.reason == "Postmark refused the email address as not valid"
    assert delivery.error_code == "invalid_address"
    assert delivery.attempts == 1
    jane.refresh_from_db()
    assert jane.email_opt_out is False


def test_a_422_about_the_message_fails_for_good_with_postmarks_words(queue, postmark_standin):
    postmark_standin.script(
        Reply.error(422, 400, "The 'From' address you supplied is not a Sender Signature.")
    )
    delivery = queue("email", subject="Hello")
    attempt(delivery)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.reason == (
        "Postmark refused the message (422): The 'From' address you supplied is not a "
        "Sender Signature."
    )
    assert delivery.error_code == "422"


def test_a_429_is_retried_no_sooner_than_retry_after_then_sent_once(queue, postmark_standin):
    postmark_standin.script(Reply.error(429, 429, "Rate limit exceeded", **{"Retry-After": "120"}))
    delivery = queue("email", subject="Hello")
    before = timezone.now()
    assert send_delivery(delivery.pk) is False
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.QUEUED
    assert delivery.next_attempt_at >= before + datetime.timedelta(seconds=120)
    assert delivery.attempt_log[-1]["error"] == "Postmark is rate limiting (429)"
    make_due(delivery)
    assert send_delivery(delivery.pk) is True
    assert len(postmark_standin.sent) == 1


@pytest.mark.parametrize("status", [503, 401])
def test_an_unavailable_service_or_refused_credentials_are_retried(queue, postmark_standin, status):
    postmark_standin.script(Reply.error(status, 0, "scripted"))
    delivery = queue("email", subject="Hello")
    attempt(delivery)
    assert delivery.status == DeliveryStatus.QUEUED
    assert delivery.error_code == str(status)
    make_due(delivery)
    attempt(delivery)
    assert delivery.status == DeliveryStatus.SENT
    assert len(postmark_standin.sent) == 1


def test_a_500_may_have_been_sent_so_it_is_never_resent_blindly(queue, postmark_standin):
    postmark_standin.script(Reply.error(500, 0, "Internal server error"))
    delivery = queue("email", subject="Hello")
    attempt(delivery)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.error_code == "ambiguous"
    assert delivery.attempt_log[-1]["error"] == "Postmark answered 500"


def test_postmark_unreachable_sent_nothing_and_is_retried(queue, postmark_standin):
    postmark_standin.stop()
    delivery = queue("email", subject="Hello")
    attempt(delivery)
    assert delivery.status == DeliveryStatus.QUEUED
    assert delivery.attempt_log[-1]["error"] == "could not connect to Postmark (ConnectionError)"


def test_an_answer_too_late_may_mean_it_went_out_so_it_is_failed_as_ambiguous(
    queue, postmark_standin, settings
):
    settings.MAILERS["default"]["OPTIONS"]["timeout"] = (2.0, 0.3)
    postmark_standin.script(Reply.slow(1.0))
    delivery = queue("email", subject="Hello")
    attempt(delivery)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.error_code == "ambiguous"
    assert delivery.attempt_log[-1]["error"] == "no answer from Postmark (ReadTimeout)"
    # Postmark did take it: re-sending would have made a duplicate.
    assert len(postmark_standin.sent) == 1


@pytest.mark.django_db(transaction=True)
def test_the_real_worker_sends_through_postmark(jane, postmark_standin):
    from tests.delivery.test_worker import run_worker

    with transaction.atomic():
        delivery = queue_delivery(
            organization=jane.organization,
            contact=jane,
            channel="email",
            to=jane.email,
            subject="Hello",
            body=NOTIFICATION,
            idempotency_key="worker:esp:1",
        )
    run_worker()
    delivery = Delivery.objects.get(pk=delivery.pk)
    assert delivery.status == DeliveryStatus.SENT
    assert [sent["MessageID"] for sent in postmark_standin.sent] == [delivery.provider_id]
