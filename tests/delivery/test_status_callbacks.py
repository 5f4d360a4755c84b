"""Twilio's status callbacks through the real endpoint, signed as Twilio signs them."""

import pytest
from twilio.request_validator import RequestValidator

from hushpost.activity.models import Event, EventKind
from hushpost.contacts.models import Contact
from hushpost.delivery.models import Delivery, DeliveryStatus
from hushpost.delivery.opt_out import opt_out_of_sms
from hushpost.delivery.send import send_delivery

pytestmark = pytest.mark.django_db

URL = "/webhooks/twilio/status"


@pytest.fixture
def sent_sms(queue, twilio_standin):
    delivery = queue("sms")
    assert send_delivery(delivery.pk)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    # The SDK asked Twilio to call us back at the public URL.
    [request] = twilio_standin.requests
    assert request.form["StatusCallback"].endswith(URL)
    return delivery


def callback(client, settings, delivery, status, error_code="", *, token=None):
    params = {
        "MessageSid": delivery.provider_id,
        "MessageStatus": status,
        "AccountSid": settings.TWILIO_ACCOUNT_SID,
        "To": delivery.to,
    }
    if error_code:
        params["ErrorCode"] = error_code
    signature = RequestValidator(token or settings.TWILIO_AUTH_TOKEN).compute_signature(
        settings.BASE_URL + URL, params
    )
    return client.post(URL, params, HTTP_X_TWILIO_SIGNATURE=signature)


def test_delivered_moves_the_delivery_forward_and_is_logged(client, settings, sent_sms):
    assert callback(client, settings, sent_sms, "delivered").status_code == 200
    sent_sms.refresh_from_db()
    assert sent_sms.status == DeliveryStatus.DELIVERED and sent_sms.delivered_at is not None
    assert Event.objects.filter(kind=EventKind.DELIVERED, delivery=sent_sms).count() == 1


def test_repeated_and_late_callbacks_never_move_a_status_backwards(client, settings, sent_sms):
    for status in ("delivered", "delivered", "sent", "queued", "sending"):
        assert callback(client, settings, sent_sms, status).status_code == 200
    sent_sms.refresh_from_db()
    assert sent_sms.status == DeliveryStatus.DELIVERED
    assert Event.objects.filter(kind=EventKind.DELIVERED, delivery=sent_sms).count() == 1


def test_undelivered_fails_with_a_readable_reason_and_code(client, settings, sent_sms):
    callback(client, settings, sent_sms, "undelivered", "30003")
    sent_sms.refresh_from_db()
    assert sent_sms.status == DeliveryStatus.FAILED
    assert sent_sms.reason == "the phone is switched off or out of reach (Twilio error 30003)"
    assert Event.objects.get(kind=EventKind.FAILED, delivery=sent_sms).detail["code"] == "30003"


def test_a_carrier_opt_out_marks_the_contact_opted_out(client, settings, sent_sms):
    callback(client, settings, sent_sms, "failed", "21610")
    assert Contact.objects.get(pk=sent_sms.contact_id).sms_opt_out
    opted = Event.objects.get(kind=EventKind.SMS_OPTED_OUT)
    assert (opted.delivery_id, opted.actor_label, opted.detail["reason"]) == (
        sent_sms.pk,
        "twilio",
        "carrier_opt_out",
    )


def test_a_contact_already_opted_out_by_stop_is_not_logged_again_by_the_carrier(
    client, settings, sent_sms
):
    opt_out_of_sms(sent_sms.contact, reason="keyword")
    callback(client, settings, sent_sms, "failed", "21610")
    assert Event.objects.filter(kind=EventKind.SMS_OPTED_OUT).count() == 1
    assert Event.objects.get(kind=EventKind.FAILED, delivery=sent_sms).detail["opted_out"]


def test_a_bad_signature_changes_nothing(client, settings, sent_sms):
    response = callback(client, settings, sent_sms, "delivered", token="not-the-token")
    assert response.status_code == 403
    assert Delivery.objects.get(pk=sent_sms.pk).status == DeliveryStatus.SENT
    assert (
        client.post(
            URL, {"MessageSid": sent_sms.provider_id, "MessageStatus": "delivered"}
        ).status_code
        == 403
    )


def test_a_callback_for_an_unknown_message_is_a_harmless_200(client, settings, sent_sms):
    sent_sms.provider_id = "SMunknown"
    assert callback(client, settings, sent_sms, "delivered").status_code == 200


def test_without_twilio_configured_callbacks_are_refused(client, settings, sent_sms):
    settings.TWILIO_AUTH_TOKEN = ""
    response = client.post(URL, {"MessageSid": sent_sms.provider_id, "MessageStatus": "delivered"})
    assert response.status_code == 403
