"""Who confirmed is kept apart: a calendar's STATUS:CONFIRMED is the calendar's,
a staff confirmation is staff's, and neither overwrites the contact's own answer."""

from datetime import UTC, datetime

import pytest
import time_machine

from hushpost.activity.models import Event, EventKind
from hushpost.appointments.models import Appointment, AppointmentStatus, ConfirmedBy
from hushpost.appointments.services import save_appointment
from tests.appointments.helpers import import_file, make_appointment

pytestmark = pytest.mark.django_db

NOW = datetime(2027, 1, 4, 13, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def calendar(status: str, start: str = "20270110T150000Z", sequence: int = 0) -> bytes:
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\n"
        "BEGIN:VEVENT\r\nUID:visit-1@example.com\r\n"
        f"DTSTAMP:20270101T000000Z\r\nDTSTART:{start}\r\nDTEND:{start[:-3]}30Z\r\n"
        f"SEQUENCE:{sequence}\r\nSUMMARY:Check-up\r\nSTATUS:{status}\r\n"
        "ATTENDEE;CN=Dana Fox:mailto:dana@example.com\r\n"
        "END:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def test_an_imported_confirmed_event_is_confirmed_by_the_calendar(org_a):
    run = import_file(org_a, "visit.ics", calendar("CONFIRMED"))
    assert run.status == "done", run.rows.values_list("reasons", flat=True)
    appointment = Appointment.objects.get(external_id="visit-1@example.com")
    assert appointment.status == AppointmentStatus.CONFIRMED
    assert appointment.confirmed_by == ConfirmedBy.CALENDAR
    assert appointment.confirmed_at == NOW
    assert not appointment.confirmed_by_contact


def test_the_calendar_never_undoes_the_contacts_answer_for_the_same_time(org_a):
    import_file(org_a, "visit.ics", calendar("TENTATIVE"))
    appointment = Appointment.objects.get(external_id="visit-1@example.com")
    appointment.status, appointment.confirmed_by, appointment.answered_via = (
        AppointmentStatus.CONFIRMED,
        ConfirmedBy.CONTACT,
        "sms",
    )
    save_appointment(appointment, actor_label="contact", created=False)
    import_file(org_a, "visit.ics", calendar("CONFIRMED", sequence=1))
    appointment.refresh_from_db()
    assert appointment.confirmed_by == ConfirmedBy.CONTACT
    # A new time is a new question: the answer no longer holds.
    import_file(org_a, "visit.ics", calendar("TENTATIVE", start="20270111T150000Z", sequence=2))
    appointment.refresh_from_db()
    assert (appointment.status, appointment.confirmed_by) == (AppointmentStatus.SCHEDULED, "")


def test_staff_confirming_is_recorded_as_staff(org_a, jane, alice):
    appointment = make_appointment(org_a, jane)
    appointment.status = AppointmentStatus.CONFIRMED
    save_appointment(appointment, actor=alice, actor_label=alice.email, created=False)
    appointment.refresh_from_db()
    assert (appointment.confirmed_by, appointment.answered_via) == ("staff", "staff")
    event = Event.objects.get(kind=EventKind.APPOINTMENT_CONFIRMED)
    assert event.actor == alice and event.detail["confirmed_by"] == "staff"


def test_moving_a_contact_confirmed_appointment_asks_again(org_a, jane):
    appointment = make_appointment(org_a, jane)
    appointment.status, appointment.confirmed_by = AppointmentStatus.CONFIRMED, ConfirmedBy.CONTACT
    save_appointment(appointment, actor_label="contact", created=False)
    appointment.start = appointment.start.replace(hour=appointment.start.hour + 1)
    appointment.end = appointment.start
    save_appointment(appointment, actor_label="test", created=False)
    appointment.refresh_from_db()
    assert (appointment.status, appointment.confirmed_by) == (AppointmentStatus.SCHEDULED, "")
