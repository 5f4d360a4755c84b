"""Mailgun's tracking webhook at /webhooks/email/mailgun/: basic auth and Mailgun's own signature.

The payloads have the shape of Mailgun's JSON webhooks (its docs and anymail's tests).
"""

import base64
import hashlib
import hmac
import time

import pytest
from django.test import Client

from hushpost.activity.models import Event, EventKind
from hushpost.delivery.models import Delivery, DeliveryStatus

pytestmark = pytest.mark.django_db

URL = "/webhooks/email/mailgun/"
SECRET = "mailgun:webhook-secret-for-tests"
SIGNING_KEY = "key-mailgun-signing-for-tests"
MESSAGE_ID = "<20261128195414.1.CE4FB64D4A65C1A9@mg.riverside.example>"


@pytest.fixture
def client():
    # Mailgun posts without a cookie or CSRF token, as this client does.
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def mailgun(settings):
    settings.HUSHPOST_EMAIL_ESP = "mailgun"
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET, "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}


@pytest.fixture
def sent_email(queue, mailgun):
    delivery = queue("email", subject="Closed on Friday")
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.SENT, provider="mailgun", provider_id=MESSAGE_ID
    )
    return Delivery.objects.get(pk=delivery.pk)


def payload(event: dict, *, key: str = SIGNING_KEY) -> dict:
    timestamp, token = str(int(time.time())), "a8ce0edb2dd8301dee6c2405235584e45aa91d1e9f979f3de0"
    signature = hmac.new(key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256).hexdigest()
    data = {
        "timestamp": time.time(),
        "id": "CPgfbmQMTCKtHW6uIWtuVe",
        "recipient": "jane@example.com",
        "message": {
            "headers": {
                "message-id": MESSAGE_ID.strip("<>"),
                "to": "jane@example.com",
                "from": "notify@mg.riverside.example",
                "subject": "Closed on Friday",
            }
        },
        "tags": [],
        "user-variables": {},
        **event,
    }
    return {
        "signature": {"timestamp": timestamp, "token": token, "signature": signature},
        "event-data": data,
    }


def post(client, body: dict, secret: str = SECRET):
    auth = "Basic " + base64.b64encode(secret.encode()).decode()
    return client.post(URL, body, content_type="application/json", HTTP_AUTHORIZATION=auth)


PERMANENT_FAILURE = {
    "event": "failed",
    "severity": "permanent",
    "reason": "bounce",
    "delivery-status": {
        "code": 550,
        "message": "5.1.1 The email account that you tried to reach does not exist.",
        "description": "",
        "attempt-no": 1,
    },
}
TEMPORARY_FAILURE = PERMANENT_FAILURE | {"severity": "temporary", "reason": "generic"}


def test_a_permanent_failure_fails_the_email_and_opts_the_contact_out(client, sent_email, jane):
    delivered = {"event": "delivered", "delivery-status": {"code": 250, "message": "OK"}}
    assert post(client, payload(delivered)).status_code == 200
    assert post(client, payload(PERMANENT_FAILURE)).status_code == 200
    sent_email.refresh_from_db()
    assert sent_email.status == DeliveryStatus.FAILED
    assert sent_email.reason == (
        "the email bounced (hard): 5.1.1 The email account that you tried to reach does not exist."
    )
    jane.refresh_from_db()
    assert jane.email_opt_out is True
    assert Event.objects.filter(delivery=sent_email, kind=EventKind.EMAIL_OPTED_OUT).exists()


def test_a_temporary_failure_is_only_a_delay(client, sent_email, jane):
    assert post(client, payload(TEMPORARY_FAILURE)).status_code == 200
    sent_email.refresh_from_db()
    assert sent_email.status == DeliveryStatus.SENT
    jane.refresh_from_db()
    assert jane.email_opt_out is False


def test_a_bad_signature_or_password_is_refused(client, sent_email):
    assert post(client, payload(PERMANENT_FAILURE, key="someone-elses-key")).status_code == 403
    assert post(client, payload(PERMANENT_FAILURE), secret="mailgun:wrong").status_code == 403
    sent_email.refresh_from_db()
    assert sent_email.status == DeliveryStatus.SENT
