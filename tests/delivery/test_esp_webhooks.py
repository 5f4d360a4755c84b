"""Postmark's tracking webhooks through anymail's view at /webhooks/email/postmark/.

The payloads are Postmark's own (the shapes of its webhook documentation and
anymail's tests), posted with HTTP basic auth as Postmark does.
"""

import base64
import copy
import logging

import pytest
from django.test import Client

from hushpost.activity.models import Event, EventKind
from hushpost.delivery.models import DeliveryStatus
from hushpost.delivery.send import send_delivery
from hushpost.delivery.tracking import pixel_url, record_open

pytestmark = pytest.mark.django_db

URL = "/webhooks/email/postmark/"
SECRET = (
    "postmark:webhook-secret-for-tests"  # the postmark_standin fixture's ANYMAIL_WEBHOOK_SECRET
)

DELIVERY = {
    "RecordType": "Delivery",
    "ServerID": 23,
    "MessageStream": "outbound",
    "MessageID": "",
    "Recipient": "jane@example.com",
    "Tag": "",
    "DeliveredAt": "2026-11-28T16:34:52Z",
    "Details": "smtp;250 2.0.0 OK 1614094492 a1si1446421pjs.118 - gsmtp",
    "Metadata": {},
}
HARD_BOUNCE = {
    "RecordType": "Bounce",
    "MessageStream": "outbound",
    "ID": 4323372036854775807,
    "Type": "HardBounce",
    "TypeCode": 1,
    "Name": "Hard bounce",
    "Tag": "",
    "MessageID": "",
    "Metadata": {},
    "ServerID": 23,
    "Description": (
        "The server was unable to deliver your message (ex: unknown user, mailbox not found)."
    ),
    "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
    "Email": "jane@example.com",
    "From": "notify@hushpost.example",
    "BouncedAt": "2026-11-28T16:35:10Z",
    "DumpAvailable": True,
    "Inactive": True,
    "CanActivate": True,
    "Subject": "A secure message",
}
SOFT_BOUNCE = HARD_BOUNCE | {
    "ID": 4323372036854775808,
    "Type": "SoftBounce",
    "TypeCode": 4096,
    "Name": "Soft bounce",
    "Description": (
        "The server was unable to temporarily deliver your message "
        "(ex: Mailbox full, Account disabled, exceeds quota, out of storage space)."
    ),
    "Details": "smtp;552 5.2.2 The email account that you tried to reach is over quota.",
    "Inactive": False,
}
SPAM_COMPLAINT = {
    "RecordType": "SpamComplaint",
    "MessageStream": "outbound",
    "ID": 42,
    "Type": "SpamComplaint",
    "TypeCode": 512,
    "Name": "Spam complaint",
    "Tag": "",
    "MessageID": "",
    "Metadata": {},
    "ServerID": 23,
    "Description": "The subscriber explicitly marked this message as spam.",
    "Details": "Test spam complaint details",
    "Email": "jane@example.com",
    "From": "notify@hushpost.example",
    "BouncedAt": "2026-11-28T17:00:00Z",
    "DumpAvailable": True,
    "Inactive": True,
    "CanActivate": False,
    "Subject": "A secure message",
}
OPEN = {
    "RecordType": "Open",
    "MessageStream": "outbound",
    "FirstOpen": True,
    "Client": {"Name": "Chrome 35.0.1916.153", "Company": "Google", "Family": "Chrome"},
    "OS": {"Name": "OS X 10.7 Lion", "Company": "Apple Computer, Inc.", "Family": "OS X 10"},
    "Platform": "WebMail",
    "UserAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_7_5) AppleWebKit/537.36",
    "ReadSeconds": 5,
    "Geo": {},
    "MessageID": "",
    "Metadata": {},
    "ReceivedAt": "2026-11-28T16:40:00Z",
    "Tag": "",
    "Recipient": "jane@example.com",
}
SUBSCRIPTION_CHANGE = {
    "RecordType": "SubscriptionChange",
    "MessageID": "",
    "ServerID": 23,
    "MessageStream": "outbound",
    "ChangedAt": "2026-11-28T10:53:34.416071Z",
    "Recipient": "jane@example.com",
    "Origin": "Recipient",
    "SuppressSending": True,
    "SuppressionReason": "ManualSuppression",
    "Tag": "",
    "Metadata": {},
}


def auth(secret: str = SECRET) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


@pytest.fixture
def sent_email(queue, postmark_standin):
    """An email Postmark took, with Postmark's MessageID as its provider id."""
    delivery = queue("email", subject="A secure message")
    assert send_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT and delivery.provider_id
    return delivery


@pytest.fixture
def client():
    # Postmark posts without a cookie or CSRF token, as this client does.
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def post(client, sent_email):
    def post(payload: dict, *, message_id: str | None = None, url: str = URL, **headers):
        body = copy.deepcopy(payload)
        body["MessageID"] = sent_email.provider_id if message_id is None else message_id
        return client.post(url, body, content_type="application/json", **(headers or auth()))

    return post


def kinds(delivery) -> list[str]:
    return list(
        Event.objects.filter(delivery=delivery)
        .order_by("created_at", "id")
        .values_list("kind", flat=True)
    )


def test_delivered_moves_the_email_forward_once(post, sent_email):
    assert post(DELIVERY).status_code == 200
    sent_email.refresh_from_db()
    assert sent_email.status == DeliveryStatus.DELIVERED
    assert sent_email.delivered_at is not None
    event = Event.objects.get(delivery=sent_email, kind=EventKind.DELIVERED)
    assert event.actor_label == "postmark"
    assert post(DELIVERY).status_code == 200  # Postmark repeats itself
    assert Event.objects.filter(delivery=sent_email, kind=EventKind.DELIVERED).count() == 1


def test_anymails_own_address_for_the_webhook_works_too(post, sent_email):
    assert post(DELIVERY, url="/webhooks/email/postmark/tracking/").status_code == 200
    sent_email.refresh_from_db()
    assert sent_email.status == DeliveryStatus.DELIVERED


def test_a_hard_bounce_after_delivery_fails_the_email_and_opts_the_contact_out(
    post, sent_email, jane
):
    post(DELIVERY)
    assert post(HARD_BOUNCE).status_code == 200
    sent_email.refresh_from_db()
    assert sent_email.status == DeliveryStatus.FAILED
    assert sent_email.reason == (
        "the email bounced (hard): The server was unable to deliver your message "
        "(ex: unknown user, mailbox not found)."
    )
    assert sent_email.error_code == "hard_bounce"
    jane.refresh_from_db()
    assert jane.email_opt_out is True
    assert kinds(sent_email)[-2:] == [EventKind.EMAIL_BOUNCED, EventKind.EMAIL_OPTED_OUT]
    bounced = Event.objects.get(delivery=sent_email, kind=EventKind.EMAIL_BOUNCED)
    assert bounced.detail["bounce"] == "hard" and bounced.detail["opted_out"] is True
    # Repeated, and a late "delivered": nothing moves back, nothing is logged twice.
    post(HARD_BOUNCE)
    post(DELIVERY)
    sent_email.refresh_from_db()
    assert sent_email.status == DeliveryStatus.FAILED
    assert kinds(sent_email).count(EventKind.EMAIL_BOUNCED) == 1
    assert kinds(sent_email).count(EventKind.EMAIL_OPTED_OUT) == 1


def test_a_soft_bounce_fails_the_email_but_keeps_the_contact_then_a_hard_one_opts_out(
    post, sent_email, jane
):
    post(SOFT_BOUNCE)
    sent_email.refresh_from_db()
    assert sent_email.status == DeliveryStatus.FAILED
    assert sent_email.reason.startswith(
        "the email bounced (soft): The server was unable to temporarily deliver"
    )
    jane.refresh_from_db()
    assert jane.email_opt_out is False
    assert EventKind.EMAIL_OPTED_OUT not in kinds(sent_email)

    post(HARD_BOUNCE)
    jane.refresh_from_db()
    assert jane.email_opt_out is True
    assert kinds(sent_email).count(EventKind.EMAIL_BOUNCED) == 2


def test_a_spam_complaint_opts_the_contact_out_and_is_logged_once(post, sent_email, jane):
    post(DELIVERY)
    assert post(SPAM_COMPLAINT).status_code == 200
    post(SPAM_COMPLAINT)
    sent_email.refresh_from_db()
    assert sent_email.status == DeliveryStatus.DELIVERED  # it arrived; the contact didn't want it
    jane.refresh_from_db()
    assert jane.email_opt_out is True
    assert kinds(sent_email)[-2:] == [EventKind.EMAIL_COMPLAINED, EventKind.EMAIL_OPTED_OUT]
    assert kinds(sent_email).count(EventKind.EMAIL_COMPLAINED) == 1
    opted = Event.objects.get(delivery=sent_email, kind=EventKind.EMAIL_OPTED_OUT)
    assert opted.detail["reason"] == "complained" and opted.actor_label == "postmark"


def test_an_unsubscribe_at_postmark_opts_the_contact_out(post, sent_email, jane):
    post(SUBSCRIPTION_CHANGE)
    jane.refresh_from_db()
    assert jane.email_opt_out is True


def test_an_open_is_logged_once_whoever_reports_it(post, sent_email):
    post(OPEN)
    post(OPEN)
    # Our own image, fetched afterwards, adds nothing either.
    assert (
        record_open(pixel_url(str(sent_email.pk)).rsplit("/", 1)[1].removesuffix(".gif")) is False
    )
    opened = Event.objects.get(delivery=sent_email, kind=EventKind.EMAIL_OPENED)
    assert opened.actor_label == "postmark"
    # Logged once, then counted.
    sent_email.refresh_from_db()
    assert sent_email.repeat_opens == 2


def test_an_unknown_message_is_answered_200_logged_and_ignored(post, sent_email, caplog):
    with caplog.at_level(logging.INFO, logger="hushpost.delivery.email_tracking"):
        response = post(HARD_BOUNCE, message_id="00000000-1111-2222-3333-444444444444")
    assert response.status_code == 200
    assert "unknown message 00000000-1111-2222-3333-444444444444" in caplog.text
    sent_email.refresh_from_db()
    assert sent_email.status == DeliveryStatus.SENT


@pytest.mark.parametrize(
    "headers", [{}, auth("postmark:wrong"), {"HTTP_AUTHORIZATION": "Bearer nonsense"}]
)
def test_a_post_without_the_right_password_is_refused_and_logged(post, sent_email, caplog, headers):
    with caplog.at_level(logging.WARNING, logger="hushpost.delivery.email_webhooks"):
        response = post(HARD_BOUNCE, **(headers or {"HTTP_X_NOTHING": "1"}))
    assert response.status_code == 403
    assert "postmark tracking webhook from 127.0.0.1 refused" in caplog.text
    sent_email.refresh_from_db()
    assert sent_email.status == DeliveryStatus.SENT


def test_without_a_configured_secret_every_post_is_refused(post, sent_email, settings, caplog):
    settings.ANYMAIL = {"WEBHOOK_SECRET": ""}
    with caplog.at_level(logging.WARNING, logger="hushpost.delivery.email_webhooks"):
        assert post(DELIVERY, **auth("")).status_code == 403
    assert "ANYMAIL_WEBHOOK_SECRET is not set" in caplog.text
    sent_email.refresh_from_db()
    assert sent_email.status == DeliveryStatus.SENT


def test_only_the_service_in_use_has_a_webhook(post, client):
    assert post(DELIVERY, url="/webhooks/email/mailgun/").status_code == 404
    assert post(DELIVERY, url="/webhooks/email/nonsense/").status_code == 404
    assert client.get(URL, **auth()).status_code == 405
