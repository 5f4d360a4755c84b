"""An auto message limited to the unconfirmed is decided when it is due: the contact's
own answer skips it, staff's or the calendar's confirmation does not."""

from datetime import timedelta

import pytest
import time_machine

from hushpost.appointments.answer_words import Said
from hushpost.appointments.answers import answer
from hushpost.appointments.models import AnswerChannel, AppointmentStatus, DueSend
from hushpost.appointments.schedule import CANT_COME_ALREADY, CONFIRMED_ALREADY, send_due
from hushpost.appointments.services import save_appointment
from tests.appointments.answer_helpers import NOW, book, reminder
from tests.appointments.helpers import at

pytestmark = pytest.mark.django_db

WEDNESDAY = at("2027-03-03T10:00")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def nudge(org_a):
    auto = reminder(org_a, body="Please confirm", only_unconfirmed=True)
    auto.offset_minutes = 4 * 60
    auto.save()
    return auto


def due_then(clock, appointment, auto):
    row = DueSend.objects.get(appointment=appointment, auto_message=auto)
    clock.move_to(row.due_at)
    send_due()
    row.refresh_from_db()
    return row


def test_a_contact_who_confirmed_after_scheduling_gets_no_nudge(org_a, jane, nudge, clock):
    plain = reminder(org_a, body="See you")
    appointment = book(jane, WEDNESDAY)
    answer(appointment, Said.CONFIRM, channel=AnswerChannel.SMS)
    row = due_then(clock, appointment, nudge)
    assert (row.status, row.reason) == ("skipped", CONFIRMED_ALREADY)
    # A message not limited to the unconfirmed goes as before.
    assert DueSend.objects.get(appointment=appointment, auto_message=plain).status == "sent"


def test_cant_come_skips_it_too(jane, nudge, clock):
    appointment = book(jane, WEDNESDAY)
    answer(appointment, Said.CANT_COME, channel=AnswerChannel.LINK)
    assert due_then(clock, appointment, nudge).reason == CANT_COME_ALREADY


@pytest.mark.parametrize("by", ["staff", "calendar"])
def test_a_confirmation_that_is_not_the_contacts_still_gets_it(jane, nudge, clock, by):
    appointment = book(jane, WEDNESDAY)
    appointment.status, appointment.confirmed_by = AppointmentStatus.CONFIRMED, by
    save_appointment(appointment, actor_label="test", created=False)
    assert due_then(clock, appointment, nudge).status == "sent"


def test_an_unanswered_appointment_gets_it(jane, nudge, clock):
    appointment = book(jane, WEDNESDAY + timedelta(days=1))
    assert due_then(clock, appointment, nudge).status == "sent"
