"""Confirming by text, end to end: the reminder goes out through the Twilio stand-in,
the contact's answer comes back through the signed webhook, and only a clear answer
about one appointment changes anything."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from hushpost.activity.models import Event, EventKind
from hushpost.appointments.models import AppointmentStatus, ConfirmationSettings, DueSend
from hushpost.contacts.models import Contact
from hushpost.messaging.models import Message
from tests.appointments.answer_helpers import NOW, book, remind, reminder, text_in
from tests.appointments.helpers import at

pytestmark = pytest.mark.django_db

WEDNESDAY = at("2027-03-03T10:00")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def reminded(org_a, jane, alice, twilio_standin, clock):
    reminder(org_a)
    appointment = book(jane, WEDNESDAY, staff=alice)
    remind(clock, appointment)
    assert len(twilio_standin.sent) == 1
    return appointment


def answer_of(response) -> str:
    assert response.status_code == 200, response.content
    text = response.content.decode()
    if "<Message>" not in text:
        return ""
    return text.split("<Message>")[1].split("</Message>")[0]


def test_c_confirms_the_next_reminded_appointment_and_answers_from_the_template(
    client, settings, jane, reminded
):
    said = answer_of(text_in(client, settings, " c. ", sender=jane.phone))
    # Jane's clock is Los Angeles': 10:00 in New York is 7:00 for her.
    assert said == "Thanks, Jane, see you Wednesday at 7 a.m."
    reminded.refresh_from_db()
    assert (reminded.status, reminded.confirmed_by, reminded.answered_via) == (
        AppointmentStatus.CONFIRMED,
        "contact",
        "sms",
    )
    assert reminded.confirmed_at == NOW
    event = Event.objects.get(kind=EventKind.APPOINTMENT_CONFIRMED)
    assert (event.contact, event.actor_label, event.detail["channel"]) == (jane, "contact", "sms")
    # An answer, not chat: nothing waits in the Inbox.
    assert not Message.objects.filter(contact=jane, direction="inbound").exists()


@pytest.mark.parametrize("word", ["Sí", "si!", "OUI", "ja", "Xác nhận", "确认", "Yes", "CONFIRM"])
def test_the_confirm_word_of_every_language_confirms(client, settings, jane, reminded, word):
    assert answer_of(text_in(client, settings, word, sender=jane.phone)).startswith("Thanks")
    reminded.refresh_from_db()
    assert reminded.confirmed_by == "contact"


def test_a_repeated_webhook_confirms_once(client, settings, jane, reminded):
    text_in(client, settings, "C", sender=jane.phone)
    assert answer_of(text_in(client, settings, "C", sender=jane.phone)) == ""
    assert Event.objects.filter(kind=EventKind.APPOINTMENT_CONFIRMED).count() == 1


def test_no_asks_for_a_person_and_tells_the_staff_member(
    client, settings, jane, alice, reminded, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        said = answer_of(text_in(client, settings, "No", sender=jane.phone))
    assert said.startswith("Thanks for letting us know, Jane.")
    reminded.refresh_from_db()
    assert (reminded.status, reminded.answered_via) == (AppointmentStatus.CANCEL_REQUESTED, "sms")
    assert Event.objects.get(kind=EventKind.APPOINTMENT_CANCEL_REQUESTED).detail["channel"] == "sms"
    [email] = mail.outbox
    assert email.to == [alice.email] and str(reminded.pk) in email.body
    assert jane.name not in email.body and "Wednesday" not in email.body
    # The appointment stays until a person decides.
    assert not Event.objects.filter(kind=EventKind.APPOINTMENT_CANCELLED).exists()


def test_an_organization_may_let_cant_come_cancel_directly(client, settings, org_a, jane, reminded):
    ConfirmationSettings.objects.create(organization=org_a, cancel_directly=True)
    later = reminder(org_a, body="See you soon")
    later.offset_minutes = 60
    later.save()
    from hushpost.appointments.schedule import sync_auto_message

    sync_auto_message(later)
    text_in(client, settings, "R", sender=jane.phone)
    reminded.refresh_from_db()
    assert reminded.status == AppointmentStatus.CANCELLED
    kinds = set(Event.objects.values_list("kind", flat=True))
    assert {EventKind.APPOINTMENT_CANCEL_REQUESTED, EventKind.APPOINTMENT_CANCELLED} <= kinds
    assert not DueSend.objects.filter(appointment=reminded, status="pending").exists()


@pytest.mark.parametrize("word", ["CANCEL", "stop", "Quit"])
def test_twilios_opt_out_words_stay_opt_outs(client, settings, jane, reminded, word):
    assert answer_of(text_in(client, settings, word, sender=jane.phone)) == ""
    jane.refresh_from_db()
    reminded.refresh_from_db()
    assert jane.sms_opt_out is True
    assert reminded.status == AppointmentStatus.SCHEDULED


def test_yes_from_someone_opted_out_opts_them_back_in_and_confirms_nothing(
    client, settings, jane, reminded
):
    Contact.objects.filter(pk=jane.pk).update(sms_opt_out=True)
    text_in(client, settings, "YES", sender=jane.phone)
    jane.refresh_from_db()
    reminded.refresh_from_db()
    assert jane.sms_opt_out is False and reminded.status == AppointmentStatus.SCHEDULED


@pytest.mark.parametrize(
    "body", ["C you Wednesday", "Can I come at 11?", "yes please", "cc", "N/A", "??"]
)
def test_free_text_is_a_reply_and_changes_nothing(client, settings, jane, reminded, body):
    assert answer_of(text_in(client, settings, body, sender=jane.phone)) == ""
    reminded.refresh_from_db()
    assert reminded.status == AppointmentStatus.SCHEDULED
    assert Message.objects.get(contact=jane, direction="inbound").body == body


def test_two_appointments_that_day_are_never_guessed(client, settings, jane, reminded, clock):
    second = book(jane, WEDNESDAY + timedelta(hours=3))
    remind(clock, second)
    assert answer_of(text_in(client, settings, "C", sender=jane.phone)) == ""
    for appointment in (reminded, second):
        appointment.refresh_from_db()
        assert appointment.status == AppointmentStatus.SCHEDULED
    assert Message.objects.get(contact=jane, direction="inbound").body == "C"


def test_an_appointment_without_a_reminder_or_too_far_ahead_takes_no_answer(
    client, settings, org_a, jane, twilio_standin
):
    unreminded = book(jane, WEDNESDAY)
    far = book(jane, WEDNESDAY + timedelta(days=20))
    assert answer_of(text_in(client, settings, "C", sender=jane.phone)) == ""
    for appointment in (unreminded, far):
        appointment.refresh_from_db()
        assert appointment.status == AppointmentStatus.SCHEDULED
    # Unless the organization answers for any appointment in its window.
    ConfirmationSettings.objects.create(organization=org_a, reminded_only=False)
    text_in(client, settings, "C", sender=jane.phone, sid="SM" + "8" * 32)
    unreminded.refresh_from_db()
    far.refresh_from_db()
    assert unreminded.confirmed_by == "contact" and far.status == AppointmentStatus.SCHEDULED


def test_a_confirmation_after_the_start_is_refused_politely(
    client, settings, jane, reminded, clock
):
    clock.move_to(WEDNESDAY + timedelta(minutes=5))
    said = answer_of(text_in(client, settings, "C", sender=jane.phone))
    assert said.startswith("Sorry, Jane: your appointment has already started")
    reminded.refresh_from_db()
    assert reminded.status == AppointmentStatus.SCHEDULED
    # A person sees it.
    assert Message.objects.get(contact=jane, direction="inbound").body == "C"


def test_an_organizations_own_words_replace_the_built_in_ones(
    client, settings, org_a, jane, reminded
):
    ConfirmationSettings.objects.create(
        organization=org_a, confirm_words="1, Bien", cancel_words="2"
    )
    assert answer_of(text_in(client, settings, "C", sender=jane.phone)) == ""
    text_in(client, settings, "bien", sender=jane.phone, sid="SM" + "9" * 32)
    reminded.refresh_from_db()
    assert reminded.confirmed_by == "contact"


def test_the_shipped_answer_goes_out_in_the_contacts_language(client, settings, jane, reminded):
    jane.language = "es"
    jane.save()
    said = answer_of(text_in(client, settings, "C", sender=jane.phone))
    assert said == "Gracias, Jane. Le esperamos el miércoles a las 07:00."


def test_an_organizations_own_answer_stays_as_written_with_its_dates_in_english(
    client, settings, org_a, jane, reminded
):
    jane.language = "de"
    jane.save()
    own, _ = ConfirmationSettings.objects.get_or_create(organization=org_a)
    own.confirmed_answer = "Got it, see you {{ appointment.start_weekday }}."
    own.save()
    said = answer_of(text_in(client, settings, "C", sender=jane.phone))
    assert said == "Got it, see you Wednesday."
