"""Voice calls (R8.3) through the twilio SDK to the local stand-in, and their
signed status callbacks."""

import pytest
from twilio.request_validator import RequestValidator

from hushpost.activity.models import Event, EventKind
from hushpost.delivery.channels import class_path
from hushpost.delivery.channels.voice import twiml_for
from hushpost.delivery.models import DeliveryStatus, OutboxEntry
from hushpost.delivery.send import send_delivery
from tests.twilio_standin import Reply

pytestmark = pytest.mark.django_db

URL = "/webhooks/twilio/voice-status"
SPOKEN = "Reminder: your appointment at Riverside <Clinic> & Co is tomorrow at 9:30."


@pytest.fixture
def placed_call(queue, twilio_standin, settings):
    settings.BASE_URL = "https://hushpost.example"
    delivery = queue("voice", body=SPOKEN)
    assert send_delivery(delivery.pk) is True
    delivery.refresh_from_db()
    return delivery


def callback(client, settings, delivery, status, error_code=""):
    params = {
        "CallSid": delivery.provider_id,
        "CallStatus": status,
        "AccountSid": settings.TWILIO_ACCOUNT_SID,
        "To": delivery.to,
        "Direction": "outbound-api",
    }
    if error_code:
        params["ErrorCode"] = error_code
    signature = RequestValidator(settings.TWILIO_AUTH_TOKEN).compute_signature(
        settings.BASE_URL + URL, params
    )
    return client.post(URL, params, HTTP_X_TWILIO_SIGNATURE=signature)


def test_a_call_is_placed_with_twiml_that_reads_the_text(placed_call, jane, twilio_standin):
    [request] = twilio_standin.requests
    assert request.path == f"/2010-04-01/Accounts/{twilio_standin.account_sid}/Calls.json"
    assert request.form["To"] == jane.phone and request.form["From"] == twilio_standin.from_number
    assert request.form["StatusCallback"] == "https://hushpost.example/webhooks/twilio/voice-status"
    assert request.form["StatusCallbackEvent"]  # the SDK sends one per event
    twiml = request.form["Twiml"]
    # Escaped as text: the message can't inject TwiML.
    escaped = "Reminder: your appointment at Riverside &lt;Clinic&gt; &amp; Co is tomorrow at 9:30."
    assert (
        twiml.startswith("<Response><Say>")
        and f"<Say>{escaped}</Say>" in twiml
        and "<Clinic>" not in twiml
    )
    [call] = twilio_standin.calls.values()
    assert call["sid"].startswith("CA")
    assert (placed_call.status, placed_call.provider, placed_call.provider_id) == (
        DeliveryStatus.SENT,
        "twilio",
        call["sid"],
    )


def test_completed_delivers_once_and_late_callbacks_change_nothing(client, settings, placed_call):
    for status in ("ringing", "in-progress", "completed", "completed", "busy"):
        assert callback(client, settings, placed_call, status).status_code == 200
    placed_call.refresh_from_db()
    assert placed_call.status == DeliveryStatus.DELIVERED and placed_call.delivered_at is not None
    assert Event.objects.filter(kind=EventKind.DELIVERED, delivery=placed_call).count() == 1
    assert not Event.objects.filter(kind=EventKind.FAILED, delivery=placed_call).exists()


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        ("busy", "the line was busy"),
        ("no-answer", "nobody answered the call"),
        ("canceled", "the call was canceled before it was answered"),
        ("failed", "the call could not be placed"),
    ],
)
def test_unanswered_calls_fail_with_a_readable_reason(
    client, settings, placed_call, status, reason
):
    assert callback(client, settings, placed_call, status).status_code == 200
    placed_call.refresh_from_db()
    assert (placed_call.status, placed_call.reason) == (DeliveryStatus.FAILED, reason)
    assert Event.objects.get(kind=EventKind.FAILED, delivery=placed_call).detail["reason"] == reason


def test_an_unsigned_callback_is_refused(client, settings, placed_call):
    response = client.post(
        URL,
        {"CallSid": placed_call.provider_id, "CallStatus": "completed"},
        HTTP_X_TWILIO_SIGNATURE="forged",
    )
    assert response.status_code == 403
    placed_call.refresh_from_db()
    assert placed_call.status == DeliveryStatus.SENT


def test_twilio_refusing_the_number_fails_permanently(queue, twilio_standin):
    twilio_standin.script(Reply.error(400, 21215, "Account not authorized to call +999"))
    delivery = queue("voice", body=SPOKEN)
    assert send_delivery(delivery.pk) is False
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert (
        delivery.reason
        == "calling this country is not enabled in the Twilio account (Twilio 21215)"
    )


def test_without_twilio_calls_go_to_the_development_outbox(queue, settings, jane):
    settings.TWILIO_ACCOUNT_SID = settings.TWILIO_AUTH_TOKEN = ""
    assert class_path("voice").endswith("OutboxChannel")
    delivery = queue("voice", body=SPOKEN)
    assert send_delivery(delivery.pk) is True
    entry = OutboxEntry.objects.get(delivery=delivery)
    assert (entry.channel, entry.to, entry.body) == ("voice", jane.phone, SPOKEN)


def test_the_twiml_repeats_short_messages_and_not_long_ones():
    assert twiml_for("Hi").count("<Say>") == 2
    assert twiml_for("x" * 2500).count("<Say>") == 1
