"""Confirming with the link in an email (through the real SMTP server) and beside a secure
reminder on the secure page (through the Twilio stand-in): a GET changes nothing, the
POST answers, and the page refuses once the appointment has started."""

import email
import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from hushpost.activity.models import Event, EventKind
from hushpost.appointments.confirm_links import confirm_url
from hushpost.appointments.models import Appointment, AppointmentStatus
from tests.appointments.answer_helpers import NOW, book, remind, reminder
from tests.appointments.helpers import at
from tests.portal.conftest import csrf_from, signed_in

pytestmark = pytest.mark.django_db

WEDNESDAY = at("2027-03-03T10:00")
LINK = re.compile(r"https?://[^\s\"<>]+/s/confirm/[^\s\"<>]+")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def emailed_link(org_a, jane, smtp_server, clock, settings):
    settings.BASE_URL = "http://testserver"
    reminder(
        org_a,
        channel="email",
        subject="Your appointment",
        body="See you {{ appointment.start_weekday }}. Confirm: {{ appointment.confirm_link }}",
    )
    appointment = book(jane, WEDNESDAY)
    remind(clock, appointment)
    [envelope] = smtp_server.messages
    text = email.message_from_bytes(envelope.original_content).get_payload(decode=False)
    body = text if isinstance(text, str) else text[0].get_payload(decode=True).decode()
    [url] = LINK.findall(body)
    return appointment, url.removeprefix("http://testserver")


def test_the_emailed_link_shows_the_appointment_and_a_get_changes_nothing(emailed_link):
    appointment, path = emailed_link
    client = Client()
    for _ in range(2):  # a mail scanner, then the contact
        page = client.get(path)
        assert page.status_code == 200
        html = page.content.decode()
        assert "Wednesday" in html and "Room 2" in html
        assert 'value="confirm"' in html and 'value="cant_come"' in html
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.SCHEDULED
    assert page["Referrer-Policy"] == "no-referrer" and "no-store" in page["Cache-Control"]


def test_the_post_confirms_with_the_link_channel(emailed_link):
    appointment, path = emailed_link
    client = Client(enforce_csrf_checks=True)
    token = csrf_from(client.get(path).content.decode())
    page = client.post(path, {"answer": "confirm", "csrfmiddlewaretoken": token})
    assert page.status_code == 200 and "confirmed" in page.content.decode()
    appointment.refresh_from_db()
    assert (appointment.status, appointment.confirmed_by, appointment.answered_via) == (
        AppointmentStatus.CONFIRMED,
        "contact",
        "link",
    )
    assert Event.objects.get(kind=EventKind.APPOINTMENT_CONFIRMED).detail["channel"] == "link"


def test_a_post_from_another_site_is_refused(emailed_link):
    appointment, path = emailed_link
    client = Client(enforce_csrf_checks=True)
    page = client.post(path, {"answer": "confirm"})
    assert page.status_code == 403
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.SCHEDULED


def test_i_cant_come_asks_for_a_person(emailed_link):
    appointment, path = emailed_link
    Client().post(path, {"answer": "cant_come"})
    appointment.refresh_from_db()
    assert (appointment.status, appointment.answered_via) == (
        AppointmentStatus.CANCEL_REQUESTED,
        "link",
    )


def test_after_the_start_the_link_refuses_politely(emailed_link, clock):
    appointment, path = emailed_link
    clock.move_to(WEDNESDAY + timedelta(minutes=1))
    page = Client().post(path, {"answer": "confirm"})
    html = page.content.decode()
    assert "already started" in html and 'value="confirm"' not in html
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.SCHEDULED


@pytest.mark.parametrize("mangle", [lambda t: t[:-2] + "xx", lambda t: "not-a-token", str.upper])
def test_a_forged_or_mangled_link_is_not_valid(emailed_link, mangle):
    appointment, path = emailed_link
    token = path.rsplit("/", 1)[1]
    page = Client().post(f"/s/confirm/{mangle(token)}", {"answer": "confirm"})
    assert page.status_code == 404
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.SCHEDULED


def test_a_link_is_one_appointments(org_a, jane):
    one, other = book(jane, WEDNESDAY), book(jane, WEDNESDAY + timedelta(days=1))
    assert confirm_url(one) != confirm_url(other)
    path = confirm_url(one).split("/s/", 1)[1]
    Client().post(f"/s/{path}", {"answer": "confirm"})
    assert Appointment.objects.get(pk=other.pk).status == AppointmentStatus.SCHEDULED
    assert Appointment.objects.get(pk=one.pk).status == AppointmentStatus.CONFIRMED


@pytest.fixture
def secure_reminder(org_a, jane, secure_on, twilio_standin, clock, settings):
    settings.BASE_URL = "http://testserver"
    reminder(org_a, secure=True, body="Your appointment is {{ appointment.start_weekday }}.")
    appointment = book(jane, WEDNESDAY)
    remind(clock, appointment)
    [sent] = twilio_standin.sent
    # The notification holds the link, never the time or place.
    assert "Wednesday" not in sent["body"] and "Room 2" not in sent["body"]
    [raw] = re.findall(r"/s/([A-Za-z0-9_-]+)", sent["body"])
    return appointment, raw


def test_the_secure_page_shows_the_buttons_beside_the_reminder(secure_reminder, jane):
    appointment, raw = secure_reminder
    client = signed_in(Client(), raw, pin=None)
    html = client.get("/s/conversation/").content.decode()
    assert f'id="appointment-{appointment.pk}"' in html and "Room 2" in html
    response = client.post(
        "/s/conversation/answer",
        {
            "appointment": str(appointment.pk),
            "answer": "confirm",
            "csrfmiddlewaretoken": csrf_from(html),
        },
    )
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert (appointment.confirmed_by, appointment.answered_via) == ("contact", "portal")
    assert "You confirmed this appointment" in client.get(response["Location"]).content.decode()


def test_the_secure_page_answers_only_for_its_own_reminders(secure_reminder, jane):
    appointment, raw = secure_reminder
    unrelated = book(jane, WEDNESDAY + timedelta(days=2))
    client = signed_in(Client(), raw, pin=None)
    client.post("/s/conversation/answer", {"appointment": str(unrelated.pk), "answer": "confirm"})
    unrelated.refresh_from_db()
    assert unrelated.status == AppointmentStatus.SCHEDULED
    # And without a session nothing is answered at all.
    Client().post(
        "/s/conversation/answer", {"appointment": str(appointment.pk), "answer": "confirm"}
    )
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.SCHEDULED
