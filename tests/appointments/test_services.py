"""Saving, cancelling and deleting appointments: the checks, the activity log, the
schedule kept current."""

from datetime import timedelta

import pytest

from hushpost.activity.models import Event, EventKind
from hushpost.appointments.models import (
    Appointment,
    AppointmentStatus,
    AutoMessage,
    DueSend,
    DueSendStatus,
)
from hushpost.appointments.services import (
    AppointmentInvalid,
    cancel_appointment,
    delete_appointment,
    save_appointment,
)
from hushpost.appointments.template_fields import APPOINTMENT_FIELDS, appointment_context
from tests.api.helpers import make_contact
from tests.appointments.helpers import at, make_appointment

pytestmark = pytest.mark.django_db


@pytest.fixture
def dana(org_a):
    return make_contact(org_a)


@pytest.fixture
def reminder(org_a):
    return AutoMessage.objects.create(
        organization=org_a,
        channel="sms",
        timing="before_start",
        offset_minutes=24 * 60,
        body="See you {{ appointment.start_time }}",
    )


def test_create_logs_and_schedules(org_a, dana, alice, reminder):
    appointment = make_appointment(org_a, dana, actor=alice, title="Check-up")
    event = Event.objects.get(kind=EventKind.APPOINTMENT_CREATED)
    assert event.contact == dana and event.detail["appointment_id"] == str(appointment.pk)
    due = DueSend.objects.get(appointment=appointment)
    assert due.auto_message == reminder and due.status == DueSendStatus.PENDING
    assert due.due_at == at("2031-03-03T09:30")


def test_reschedule_moves_the_reminder_and_logs_fields(org_a, dana, alice, reminder):
    appointment = make_appointment(org_a, dana, actor=alice)
    appointment.start += timedelta(days=2)
    appointment.end += timedelta(days=2)
    save_appointment(appointment, actor=alice, created=False)
    event = Event.objects.filter(kind=EventKind.APPOINTMENT_UPDATED).get()
    assert event.detail["fields"] == "start, end"
    assert list(
        DueSend.objects.filter(appointment=appointment).values_list("due_at", flat=True)
    ) == [at("2031-03-05T09:30")]


def test_cancel_skips_what_was_pending(org_a, dana, alice, reminder):
    appointment = make_appointment(org_a, dana)
    cancel_appointment(appointment, actor=alice)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert Event.objects.filter(kind=EventKind.APPOINTMENT_CANCELLED).count() == 1
    assert not DueSend.objects.filter(
        appointment=appointment, status=DueSendStatus.PENDING
    ).exists()


def test_delete_cascades_and_is_logged(org_a, dana, alice, reminder):
    appointment = make_appointment(org_a, dana)
    pk = appointment.pk
    delete_appointment(appointment, actor=alice)
    assert not Appointment.objects.filter(pk=pk).exists() and not DueSend.objects.exists()
    assert Event.objects.get(kind=EventKind.APPOINTMENT_DELETED).detail["appointment_id"] == str(pk)


def test_end_before_start_is_refused(org_a, dana):
    start = at("2031-03-04T09:30")
    with pytest.raises(AppointmentInvalid) as caught:
        save_appointment(
            Appointment(
                organization=org_a, contact=dana, start=start, end=start - timedelta(minutes=1)
            ),
            created=True,
        )
    assert caught.value.problems == {"end": ["The end must be after the start."]}
    assert not Appointment.objects.exists()


def test_contact_and_staff_of_another_organization_are_refused(org_a, org_b, dana, mallory):
    stranger = make_contact(
        org_b, "Hidden Person", phone="+447700900123", email="hidden@harbor.example"
    )
    start = at("2031-03-04T09:30")
    with pytest.raises(AppointmentInvalid) as caught:
        save_appointment(
            Appointment(
                organization=org_a, contact=stranger, staff=mallory, start=start, end=start
            ),
            created=True,
        )
    assert set(caught.value.problems) == {"contact", "staff"}


def test_external_id_is_unique_per_organization(org_a, org_b, dana):
    make_appointment(org_a, dana, external_id="EHR-1")
    with pytest.raises(AppointmentInvalid) as caught:
        make_appointment(org_a, dana, external_id="EHR-1")
    assert "already has the external id “EHR-1”" in caught.value.problems["external_id"][0]
    other = make_contact(org_b, "Other", phone="+447700900123", email="o@harbor.example")
    make_appointment(org_b, other, external_id="EHR-1")  # another organization may use it


def test_fields_in_the_contacts_zone_and_language(org_a, alice):
    rosa = make_contact(org_a, "Rosa Díaz", time_zone="Europe/Madrid", language="es")
    appointment = make_appointment(
        org_a, rosa, at("2031-03-04T09:30"), staff=alice, location="Room 2", title="Revisión"
    )
    values = appointment_context(appointment)["appointment"]
    assert set(values) == APPOINTMENT_FIELDS
    assert values["start_time"] == "15:30"  # 9:30 in New York is 15:30 in Madrid
    assert values["start_date"] == "4 de marzo de 2031"
    assert values["start_weekday"] == "martes"
    assert values["staff_name"] == "Alice Lee" and values["location"] == "Room 2"


def test_fields_in_english_by_default(org_a):
    appointment = make_appointment(org_a, make_contact(org_a), at("2031-03-04T14:00"))
    values = appointment_context(appointment)["appointment"]
    assert values["start_time"] == "2 p.m." and values["start_date"] == "March 4, 2031"
    assert values["staff_name"] == "" and values["time_zone"] == "America/New_York"
