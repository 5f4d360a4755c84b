"""Voice reminders that ask "press 1 to confirm, 2 if you can't come": the call is placed
through the Twilio stand-in with a <Gather>, and the keypress comes back through the
signed webhook."""

from datetime import timedelta

import pytest
import time_machine
from twilio.request_validator import RequestValidator

from hushpost.activity.models import Event, EventKind
from hushpost.appointments.models import AppointmentStatus
from tests.appointments.answer_helpers import NOW, book, remind, reminder
from tests.appointments.helpers import at

pytestmark = pytest.mark.django_db

URL = "/webhooks/twilio/voice-gather"
WEDNESDAY = at("2027-03-03T10:00")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def called(org_a, jane, twilio_standin, clock, settings):
    settings.BASE_URL = "https://hushpost.example"
    reminder(org_a, channel="voice", ask_to_confirm=True, body="Your appointment is Wednesday.")
    appointment = book(jane, WEDNESDAY)
    due = remind(clock, appointment)
    [call] = twilio_standin.calls.values()
    return appointment, call, due


def press(client, settings, call_sid, digits, *, token=None):
    params = {"CallSid": call_sid, "Digits": digits, "AccountSid": settings.TWILIO_ACCOUNT_SID}
    signature = RequestValidator(token or settings.TWILIO_AUTH_TOKEN).compute_signature(
        settings.BASE_URL + URL, params
    )
    return client.post(URL, params, HTTP_X_TWILIO_SIGNATURE=signature)


def test_the_call_asks_for_a_keypress_after_the_message(called):
    _, call, _ = called
    twiml = call["twiml"]
    assert '<Gather action="https://hushpost.example/webhooks/twilio/voice-gather"' in twiml
    assert 'numDigits="1"' in twiml
    assert "Press 1 to confirm, or 2 if you can&apos;t come." in twiml or (
        "Press 1 to confirm, or 2 if you can't come." in twiml
    )
    assert twiml.index("Your appointment is Wednesday.") < twiml.index("<Gather")


def test_a_call_that_does_not_ask_has_no_gather(org_a, jane, twilio_standin, clock):
    reminder(org_a, channel="voice", body="Your appointment is Wednesday.")
    remind(clock, book(jane, WEDNESDAY))
    [call] = twilio_standin.calls.values()
    assert "<Gather" not in call["twiml"]


def test_pressing_1_confirms_by_voice(client, settings, called):
    appointment, call, _ = called
    response = press(client, settings, call["sid"], "1")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
    assert "your appointment is confirmed" in response.content.decode()
    appointment.refresh_from_db()
    assert (appointment.confirmed_by, appointment.answered_via) == ("contact", "voice")
    event = Event.objects.get(kind=EventKind.APPOINTMENT_CONFIRMED)
    assert event.detail["channel"] == "voice" and event.detail["provider_id"] == call["sid"]


def test_pressing_2_says_cant_come(client, settings, called):
    appointment, call, _ = called
    press(client, settings, call["sid"], "2")
    appointment.refresh_from_db()
    assert (appointment.status, appointment.answered_via) == (
        AppointmentStatus.CANCEL_REQUESTED,
        "voice",
    )


@pytest.mark.parametrize("digits", ["9", "", "#", "12"])
def test_another_key_asks_again_and_changes_nothing(client, settings, called, digits):
    appointment, call, _ = called
    response = press(client, settings, call["sid"], digits)
    assert "<Gather" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.SCHEDULED


def test_an_unsigned_or_unknown_call_changes_nothing(client, settings, called):
    appointment, call, _ = called
    assert press(client, settings, call["sid"], "1", token="wrong").status_code == 403
    response = press(client, settings, "CA" + "0" * 32, "1")
    assert response.status_code == 200 and "couldn" in response.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.SCHEDULED


def test_a_keypress_after_the_start_is_refused(client, settings, called, clock):
    appointment, call, _ = called
    clock.move_to(WEDNESDAY + timedelta(minutes=2))
    assert "no longer" in press(client, settings, call["sid"], "1").content.decode()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.SCHEDULED
