"""What staff see of the contacts' answers: the state and its channel on the list and the
appointment's page, the "not confirmed" filter, "can't come" on the Inbox, and confirming
for a contact."""

import pytest
from django.utils import timezone

from hushpost.activity.models import Event, EventKind
from hushpost.appointments.answer_words import Said
from hushpost.appointments.answers import answer
from hushpost.appointments.models import AnswerChannel, AppointmentStatus
from tests.api.helpers import make_contact
from tests.appointments.helpers import make_appointment

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(org_a):
    start = timezone.localtime(timezone.now()).replace(microsecond=0) + timezone.timedelta(days=1)
    contacts = [
        make_contact(org_a, name, phone=phone)
        for name, phone in (("Ann Ash", "+14155550111"), ("Bo Birch", "+14155550112"))
    ]
    return {
        contact.name: make_appointment(org_a, contact, start, title=contact.name.split()[0])
        for contact in contacts
    }


def listed(client, **params):
    day = timezone.localdate() + timezone.timedelta(days=1)
    return client.get("/appointments/", {"date": day.isoformat(), **params}).content.decode()


def test_the_list_says_who_confirmed_and_how(alice_client, booked):
    answer(booked["Ann Ash"], Said.CONFIRM, channel=AnswerChannel.SMS)
    answer(booked["Bo Birch"], Said.CANT_COME, channel=AnswerChannel.LINK)
    page = listed(alice_client)
    assert 'data-confirmation="confirmed">Confirmed by text<' in page
    assert 'data-confirmation="cancel_requested">Can&#x27;t come (said with the link)<' in page


def test_not_confirmed_filters_out_the_contacts_answers(alice_client, booked):
    answer(booked["Ann Ash"], Said.CONFIRM, channel=AnswerChannel.VOICE)
    page = listed(alice_client, status="not_confirmed")
    assert f'data-appointment="{booked["Bo Birch"].pk}"' in page
    assert f'data-appointment="{booked["Ann Ash"].pk}"' not in page


def test_cant_come_waits_on_the_inbox(alice_client, booked):
    answer(booked["Bo Birch"], Said.CANT_COME, channel=AnswerChannel.SMS)
    page = alice_client.get("/inbox/").content.decode()
    assert 'id="cant-come"' in page and "Bo Birch" in page and "Ann Ash" not in page


def test_staff_confirm_for_the_contact(alice_client, alice, booked):
    appointment = booked["Ann Ash"]
    assert alice_client.get(f"/appointments/{appointment.pk}/confirm/").status_code == 405
    response = alice_client.post(f"/appointments/{appointment.pk}/confirm/")
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert (appointment.status, appointment.confirmed_by) == (AppointmentStatus.CONFIRMED, "staff")
    assert Event.objects.get(kind=EventKind.APPOINTMENT_CONFIRMED).actor == alice
    page = alice_client.get(f"/appointments/{appointment.pk}/").content.decode()
    assert "Confirmed by staff" in page and "Confirm for the contact" not in page


def test_another_organizations_appointment_is_not_found(client, mallory, booked, org_b):
    client.force_login(mallory)
    response = client.post(f"/appointments/{booked['Ann Ash'].pk}/confirm/")
    assert response.status_code == 404
