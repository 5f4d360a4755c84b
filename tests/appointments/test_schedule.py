"""The message schedule with a controllable clock."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction

from hushpost.appointments.models import (
    Appointment,
    AppointmentStatus,
    AutoMessage,
    DueSend,
    DueSendStatus,
    Timing,
)
from hushpost.appointments.schedule import due_time, send_due, sync_appointment, sync_auto_message
from hushpost.contacts.models import Contact
from hushpost.delivery.models import Delivery
from hushpost.messaging.models import Message

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)  # a Monday; New York is UTC-5 until 8 March


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def jane(org_a):  # org_a is in America/New_York
    return Contact.objects.create(
        organization=org_a, name="Jane Roe", phone="+14155550100", email="jane@example.com"
    )


def auto(org, timing, minutes=0, channel="sms", body="Reminder: {{ appointment.title }}", **extra):
    return AutoMessage.objects.create(
        organization=org, channel=channel, timing=timing, offset_minutes=minutes, body=body, **extra
    )


def book(contact, start, minutes=30, **extra):
    appointment = Appointment.objects.create(
        organization=contact.organization,
        contact=contact,
        start=start,
        end=start + timedelta(minutes=minutes),
        title="Check-up",
        **extra,
    )
    sync_appointment(appointment, created=True)
    return appointment


def pending(appointment):
    return {
        (d.auto_message_id, d.due_at)
        for d in DueSend.objects.filter(appointment=appointment, status="pending")
    }


def test_one_day_before_keeps_the_local_time_across_a_daylight_saving_change(org_a, jane):
    reminder = auto(org_a, Timing.BEFORE_START, 24 * 60)
    # 9:00 in New York on Monday 9 March (EDT, UTC-4); the day before is EDT too but
    # the change happened on Sunday 8 March at 2:00 — 1 day before is still 9:00 local.
    appointment = book(jane, datetime(2026, 3, 9, 13, 0, tzinfo=UTC))
    assert due_time(reminder, appointment) == datetime(2026, 3, 8, 13, 0, tzinfo=UTC)
    # Two days before crosses the change: 9:00 EST on Saturday is 14:00 UTC, not 13:00.
    two_days = auto(org_a, Timing.BEFORE_START, 2 * 24 * 60)
    assert due_time(two_days, appointment) == datetime(2026, 3, 7, 14, 0, tzinfo=UTC)


def test_hours_and_minutes_are_elapsed_time_and_after_counts_from_the_end(org_a, jane):
    appointment = book(jane, datetime(2026, 3, 10, 14, 0, tzinfo=UTC), minutes=45)
    assert due_time(auto(org_a, Timing.BEFORE_START, 90), appointment) == datetime(
        2026, 3, 10, 12, 30, tzinfo=UTC
    )
    assert due_time(auto(org_a, Timing.AFTER_END, 60), appointment) == datetime(
        2026, 3, 10, 15, 45, tzinfo=UTC
    )


def test_booking_makes_a_due_send_per_enabled_auto_message(org_a, jane):
    confirm = auto(
        org_a,
        Timing.BOOKED,
        channel="email",
        subject="Booked",
        body="Booked: {{ appointment.title }}",
    )
    remind = auto(org_a, Timing.BEFORE_START, 24 * 60)
    auto(org_a, Timing.AFTER_END, 60, enabled=False)
    appointment = book(jane, datetime(2026, 3, 5, 15, 0, tzinfo=UTC))
    assert pending(appointment) == {
        (confirm.pk, NOW),
        (remind.pk, datetime(2026, 3, 4, 15, 0, tzinfo=UTC)),
    }


def test_a_reschedule_moves_what_has_not_gone_out_and_confirms_nothing_again(org_a, jane):
    confirm = auto(org_a, Timing.BOOKED, channel="email", subject="Booked", body="Booked")
    remind = auto(org_a, Timing.BEFORE_START, 60)
    appointment = book(jane, datetime(2026, 3, 5, 15, 0, tzinfo=UTC))
    assert send_due() == 1  # the confirmation
    appointment.start, appointment.end = (
        datetime(2026, 3, 6, 16, 0, tzinfo=UTC),
        datetime(2026, 3, 6, 16, 30, tzinfo=UTC),
    )
    appointment.save()
    sync_appointment(appointment)
    assert pending(appointment) == {(remind.pk, datetime(2026, 3, 6, 15, 0, tzinfo=UTC))}
    assert DueSend.objects.get(auto_message=confirm).status == DueSendStatus.SENT


def test_cancelling_stops_every_pending_send(org_a, jane):
    auto(org_a, Timing.BEFORE_START, 60)
    appointment = book(jane, datetime(2026, 3, 5, 15, 0, tzinfo=UTC))
    appointment.status = AppointmentStatus.CANCELLED
    appointment.save()
    sync_appointment(appointment)
    row = DueSend.objects.get(appointment=appointment)
    assert row.status == DueSendStatus.SKIPPED and "cancelled" in row.reason
    with time_machine.travel(datetime(2026, 3, 5, 14, 30, tzinfo=UTC), tick=False):
        assert send_due() == 0
    assert not Delivery.objects.exists()


def test_switching_an_auto_message_off_and_on_and_retiming_it(org_a, jane):
    remind = auto(org_a, Timing.BEFORE_START, 60)
    appointment = book(jane, datetime(2026, 3, 5, 15, 0, tzinfo=UTC))
    remind.enabled = False
    remind.save()
    sync_auto_message(remind)
    assert pending(appointment) == set()
    remind.enabled, remind.offset_minutes = True, 120
    remind.save()
    assert sync_auto_message(remind) == 1
    assert pending(appointment) == {(remind.pk, datetime(2026, 3, 5, 13, 0, tzinfo=UTC))}


def test_a_new_auto_message_covers_future_appointments_but_confirms_no_old_booking(org_a, jane):
    past = book(jane, datetime(2026, 3, 1, 15, 0, tzinfo=UTC))
    future = book(jane, datetime(2026, 3, 5, 15, 0, tzinfo=UTC))
    remind = auto(org_a, Timing.BEFORE_START, 60)
    confirm = auto(org_a, Timing.BOOKED, channel="email", subject="Booked", body="Booked")
    assert sync_auto_message(remind) == 1 and sync_auto_message(confirm) == 0
    assert pending(future) == {(remind.pk, datetime(2026, 3, 5, 14, 0, tzinfo=UTC))}
    assert pending(past) == set()


def test_it_sends_on_time_exactly_once_with_the_template_as_it_is_then(org_a, jane, clock):
    remind = auto(org_a, Timing.BEFORE_START, 60, body="Old text")
    book(jane, datetime(2026, 3, 5, 15, 0, tzinfo=UTC))
    remind.body = "See you soon for your {{ appointment.title }}"
    remind.save()
    clock.move_to(datetime(2026, 3, 5, 13, 59, tzinfo=UTC))
    assert send_due() == 0
    clock.move_to(datetime(2026, 3, 5, 14, 0, tzinfo=UTC))
    assert send_due() == 1
    assert send_due() == 0
    message = Message.objects.get()
    assert message.body == "See you soon for your Check-up" and message.origin == "auto"
    row = DueSend.objects.get()
    assert row.status == DueSendStatus.SENT and row.delivery.status == "queued"


def test_after_downtime_overdue_reminders_for_started_appointments_are_skipped_and_follow_ups_go(
    org_a, jane, clock
):
    auto(org_a, Timing.BEFORE_START, 60)
    auto(org_a, Timing.AFTER_END, 60, body="How did it go?")
    book(jane, datetime(2026, 3, 5, 15, 0, tzinfo=UTC))
    clock.move_to(datetime(2026, 3, 6, 9, 0, tzinfo=UTC))  # the scheduler was down for a day
    assert send_due() == 2
    statuses = {
        row.auto_message.timing: (row.status, row.reason)
        for row in DueSend.objects.select_related("auto_message")
    }
    assert statuses[Timing.BEFORE_START] == (
        DueSendStatus.SKIPPED,
        "the appointment had already started when this was due to go out",
    )
    assert statuses[Timing.AFTER_END] == (DueSendStatus.SENT, "")
    assert Message.objects.get().body == "How did it go?"


def test_a_secure_auto_message_while_secure_messaging_is_off_fails_with_the_reason(
    org_a, jane, clock
):
    auto(org_a, Timing.BEFORE_START, 60, secure=True)
    book(jane, datetime(2026, 3, 5, 15, 0, tzinfo=UTC))
    clock.move_to(datetime(2026, 3, 5, 14, 0, tzinfo=UTC))
    send_due()
    row = DueSend.objects.get()
    assert row.status == DueSendStatus.FAILED and "Secure messaging is off" in row.reason


def test_the_same_appointment_time_can_never_be_sent_twice(org_a, jane):
    remind = auto(org_a, Timing.BEFORE_START, 60)
    appointment = book(jane, datetime(2026, 3, 5, 15, 0, tzinfo=UTC))
    with pytest.raises(IntegrityError), transaction.atomic():
        DueSend.objects.create(
            organization=org_a,
            appointment=appointment,
            auto_message=remind,
            anchor_at=appointment.start,
            due_at=NOW,
        )


@pytest.mark.django_db(transaction=True)
def test_two_schedulers_at_once_on_postgresql_send_each_due_message_once(
    org_a, postgres_only, clock
):
    auto(org_a, Timing.BEFORE_START, 60)
    contacts = [
        Contact.objects.create(organization=org_a, name=f"C{i}", phone=f"+1415555{i:04d}")
        for i in range(60)
    ]
    for contact in contacts:
        book(contact, datetime(2026, 3, 5, 15, 0, tzinfo=UTC))
    clock.move_to(datetime(2026, 3, 5, 14, 0, tzinfo=UTC))
    totals = []

    def scheduler():
        done = 0
        try:
            while (count := send_due(batch=10)) or not done:
                done += count
                if not count:
                    break
        finally:
            connection.close()
        totals.append(done)

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert DueSend.objects.filter(status=DueSendStatus.SENT).count() == 60
    assert Delivery.objects.count() == 60
    assert sorted(Delivery.objects.values_list("contact_id", flat=True)) == sorted(
        c.pk for c in contacts
    )
