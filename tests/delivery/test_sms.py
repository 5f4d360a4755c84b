"""SMS through the twilio SDK to the local stand-in over real HTTP."""

import base64

import pytest
from django.utils import timezone

from hushpost.activity.models import Event, EventKind
from hushpost.delivery.channels import twilio_client
from hushpost.delivery.models import Delivery, DeliveryStatus
from hushpost.delivery.send import send_delivery
from tests.delivery.conftest import NOTIFICATION, attempt, make_due
from tests.twilio_standin import Reply

pytestmark = pytest.mark.django_db


def test_it_sends_through_the_sdk_with_the_status_callback(queue, jane, twilio_standin, settings):
    settings.BASE_URL = "https://hushpost.example"
    delivery = queue("sms")
    assert send_delivery(delivery.pk) is True
    [request] = twilio_standin.requests
    assert request.path == f"/2010-04-01/Accounts/{twilio_standin.account_sid}/Messages.json"
    credentials = f"{twilio_standin.account_sid}:{twilio_standin.auth_token}".encode()
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(credentials).decode()
    # Exactly the notification, to the right number, and nothing else.
    assert request.form == {
        "To": jane.phone,
        "From": twilio_standin.from_number,
        "Body": NOTIFICATION,
        "StatusCallback": "https://hushpost.example/webhooks/twilio/status",
    }
    [message] = twilio_standin.sent
    delivery.refresh_from_db()
    assert (delivery.status, delivery.provider, delivery.provider_id) == (
        DeliveryStatus.SENT,
        "twilio",
        message["sid"],
    )
    event = Event.objects.get(delivery=delivery, kind=EventKind.SENT)
    assert event.detail["provider_id"] == message["sid"]
    assert not Event.objects.filter(
        delivery=delivery, kind=EventKind.DELIVERED
    ).exists()  # the callback says that


def test_a_messaging_service_sends_when_there_is_no_from_number(queue, twilio_standin, settings):
    settings.TWILIO_FROM_NUMBER = ""
    settings.TWILIO_MESSAGING_SERVICE_SID = "MG" + "1" * 32
    send_delivery(queue("sms").pk)
    form = twilio_standin.requests[0].form
    assert form["MessagingServiceSid"] == "MG" + "1" * 32 and "From" not in form


def test_connection_refused_is_retried_and_sent_once_when_twilio_is_back(queue, twilio_standin):
    twilio_standin.stop()
    delivery = queue("sms")
    attempt(delivery)
    assert delivery.status == DeliveryStatus.QUEUED
    assert delivery.attempt_log[0]["error"].startswith("could not connect to Twilio")
    twilio_standin.start()
    make_due(delivery)
    assert send_delivery(delivery.pk) is True
    assert len(twilio_standin.sent) == 1 and len(twilio_standin.requests) == 1


def test_a_503_is_retried_and_sent_once(queue, twilio_standin):
    twilio_standin.script(Reply(503))
    delivery = queue("sms")
    send_delivery(delivery.pk)
    assert Delivery.objects.get().status == DeliveryStatus.QUEUED
    make_due(delivery)
    send_delivery(delivery.pk)
    assert Delivery.objects.get().status == DeliveryStatus.SENT
    assert [r.status for r in twilio_standin.requests] == [503, 201] and len(
        twilio_standin.sent
    ) == 1


@pytest.mark.parametrize("status", [500, 502, 504])
def test_a_500_may_have_been_sent_so_it_fails_as_ambiguous_and_is_not_resent(
    queue, twilio_standin, status
):
    twilio_standin.script(Reply(status))
    delivery = queue("sms")
    send_delivery(delivery.pk)
    make_due(delivery)
    send_delivery(delivery.pk)  # a duplicate task changes nothing
    delivery.refresh_from_db()
    assert (delivery.status, delivery.error_code) == (DeliveryStatus.FAILED, "ambiguous")
    assert "not re-sent to avoid a duplicate" in delivery.reason
    assert delivery.attempt_log[0]["error"] == f"Twilio answered {status}"
    assert len(twilio_standin.requests) == 1


def test_a_timeout_after_twilio_took_the_message_is_not_resent(queue, twilio_standin, monkeypatch):
    monkeypatch.setattr(twilio_client, "TIMEOUT", (1.0, 0.3))
    twilio_standin.script(Reply.slow(1.0))
    delivery = queue("sms")
    attempt(delivery)
    assert (delivery.status, delivery.error_code) == (DeliveryStatus.FAILED, "ambiguous")
    assert "no answer from Twilio" in delivery.attempt_log[0]["error"]
    make_due(delivery)
    send_delivery(delivery.pk)
    assert len(twilio_standin.sent) == 1  # the one Twilio took; never a second


def test_a_429_waits_at_least_as_long_as_retry_after(queue, twilio_standin):
    twilio_standin.script(Reply.error(429, 20429, "Too Many Requests", **{"Retry-After": "600"}))
    delivery = queue("sms")
    before = timezone.now()
    attempt(delivery)
    assert delivery.status == DeliveryStatus.QUEUED and delivery.error_code == "20429"
    assert delivery.next_attempt_at >= before + timezone.timedelta(seconds=600)
    assert send_delivery(delivery.pk) is False  # not before its time
    make_due(delivery)
    assert send_delivery(delivery.pk) is True
    assert len(twilio_standin.sent) == 1


def test_an_invalid_number_fails_with_twilios_code_and_a_readable_reason(queue, twilio_standin):
    twilio_standin.script(
        Reply.error(400, 21211, "The 'To' number +1415555 is not a valid phone number.")
    )
    delivery = queue("sms")
    attempt(delivery)
    assert (delivery.status, delivery.error_code) == (DeliveryStatus.FAILED, "21211")
    assert delivery.reason == "the phone number is not valid (Twilio 21211)"
    assert (
        Event.objects.get(delivery=delivery, kind=EventKind.FAILED).detail["reason"]
        == delivery.reason
    )
    assert not twilio_standin.sent


def test_an_unknown_refusal_keeps_twilios_own_message(queue, twilio_standin):
    twilio_standin.script(Reply.error(400, 21602, "Message body is required."))
    delivery = queue("sms")
    attempt(delivery)
    assert delivery.reason == "Message body is required. (Twilio 21602)"


def test_a_stop_at_the_carrier_fails_and_opts_the_contact_out(queue, jane, twilio_standin):
    twilio_standin.script(Reply.error(400, 21610, "Attempt to send to unsubscribed recipient"))
    delivery = queue("sms")
    send_delivery(delivery.pk)
    jane.refresh_from_db()
    assert jane.sms_opt_out
    # Logged like a STOP reply, by the one opt-out function, naming why.
    opted = Event.objects.get(kind=EventKind.SMS_OPTED_OUT, contact=jane)
    assert (opted.delivery_id, opted.actor_label) == (delivery.pk, "twilio")
    assert opted.detail == {"channel": "sms", "reason": "carrier_opt_out", "code": "21610"}
    second = queue("sms")
    send_delivery(second.pk)
    second.refresh_from_db()
    assert (second.status, second.reason) == (DeliveryStatus.HELD, "opted out of text messages")
    assert len(twilio_standin.requests) == 1


def test_wrong_credentials_are_retried_not_blamed_on_the_message(queue, twilio_standin, settings):
    settings.TWILIO_AUTH_TOKEN = "not-the-token"
    delivery = queue("sms")
    attempt(delivery)
    assert (delivery.status, delivery.error_code) == (DeliveryStatus.QUEUED, "20003")
