"""Reminders at scale: due sends settled hundreds at a time, in due order, in short ticks."""

import random
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from hushpost.appointments import schedule
from hushpost.appointments.models import DueSend, DueSendStatus, Timing
from hushpost.appointments.schedule import send_due
from hushpost.contacts.models import Contact
from hushpost.delivery import lifecycle
from hushpost.delivery.models import Delivery
from hushpost.messaging.models import Message, SecureLink, Send
from tests.appointments.test_schedule import auto, book

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 5, 15, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(START - timedelta(days=2), tick=False) as traveller:
        yield traveller


def many(org, count, *, secure=False):
    """`count` contacts with one appointment each, starting a second apart within one
    minute (booked in shuffled order); the appointments in start order."""
    auto(org, Timing.BEFORE_START, 60, secure=secure)
    seconds = list(range(count))
    random.Random(14).shuffle(seconds)
    booked = []
    for i in seconds:
        contact = Contact(organization=org, name=f"C{i}", phone=f"+1415555{i:04d}")
        contact.secure_pin = "1234"
        contact.save()
        booked.append(book(contact, START + timedelta(seconds=i)))
    return sorted(booked, key=lambda appointment: appointment.start)


def sent_contacts():
    return [
        row.appointment.contact_id
        for row in DueSend.objects.filter(status=DueSendStatus.SENT).select_related("appointment")
    ]


def test_a_tick_settles_one_batch_at_a_time_in_due_order(org_a, clock):
    appointments = many(org_a, 23)
    clock.move_to(START + timedelta(minutes=-60, seconds=30))
    # No time left in the tick after the first batch: the rest waits for the next tick.
    assert send_due(batch=5, budget=0) == 5
    clock.move_to(START + timedelta(minutes=-59))
    assert send_due(batch=5, budget=0) == 5
    assert sorted(sent_contacts()) == sorted(a.contact_id for a in appointments[:10])
    # With time left, one tick goes on batch after batch until none is due.
    assert send_due(batch=5, budget=60) == 13
    assert Delivery.objects.count() == 23
    assert len(set(Delivery.objects.values_list("contact_id", flat=True))) == 23


def test_the_deliveries_are_queued_in_the_order_their_reminders_fell_due(org_a, secure_on, clock):
    appointments = many(org_a, 40, secure=True)
    clock.move_to(START - timedelta(minutes=59))
    assert send_due(batch=15) == 40
    # The workers claim them in that order (the table is the queue).
    claimed = lifecycle.claim_due(100)
    assert [d.contact_id for d in claimed] == [a.contact_id for a in appointments]
    # Secure: each a link with the contact's PIN and its own notification; one send each.
    assert SecureLink.objects.count() == 40 == Message.objects.count()
    assert Send.objects.filter(origin="auto").count() == 40
    assert all("/s/" in delivery.body for delivery in Delivery.objects.all())


def test_a_crash_mid_tick_leaves_its_batch_pending_and_the_next_tick_sends_it_once(
    org_a, clock, monkeypatch
):
    appointments = many(org_a, 12)
    real = schedule.make_batch
    calls = []

    def crashes_on_the_second_batch(jobs, **kwargs):
        made = real(jobs, **kwargs)  # every row written, then the process dies before commit
        calls.append(len(jobs))
        if len(calls) == 2:
            raise RuntimeError("killed mid-batch")
        return made

    monkeypatch.setattr(schedule, "make_batch", crashes_on_the_second_batch)
    clock.move_to(START - timedelta(minutes=59))
    with pytest.raises(RuntimeError):
        send_due(batch=5)
    # The first batch committed; the second left nothing behind and is still pending.
    assert sorted(sent_contacts()) == sorted(a.contact_id for a in appointments[:5])
    assert Delivery.objects.count() == 5 == Message.objects.count()
    assert DueSend.objects.filter(status=DueSendStatus.PENDING).count() == 7
    monkeypatch.setattr(schedule, "make_batch", real)
    assert send_due(batch=5) == 7
    assert Delivery.objects.count() == 12 == Message.objects.count()
    assert sorted(Delivery.objects.values_list("contact_id", flat=True)) == sorted(
        a.contact_id for a in appointments
    )
