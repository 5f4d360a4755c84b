"""A whole secure send through the real worker while Twilio misbehaves.

test_sms.py covers each fault for one delivery through send_delivery; here a
compose-level send to several contacts goes through django-tasks-db's
db_worker and the clock moves on (time-machine) between runs, as it would
between a worker's polls: retries are spread out, each contact gets one text
and one only, and a timeout is never turned into a second text.
"""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from hushpost.activity.models import Event, EventKind
from hushpost.contacts.models import Contact
from hushpost.delivery.channels import twilio_client
from hushpost.delivery.models import Delivery, DeliveryStatus
from hushpost.delivery.sweep import settle_lapsed_claims
from hushpost.messaging.compose import send_message
from tests.twilio_standin import Reply
from tests.worker_run import run_worker

# The worker commits in its own transactions, like a real worker process.
pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "Your scan on 2 April is clear; no follow-up is needed."
SECOND = datetime.timedelta(seconds=1)


def contacts(org, count: int) -> list[Contact]:
    made = []
    for number in range(count):
        contact = Contact.objects.create(
            organization=org, name=f"Patient {number}", phone=f"+1415555020{number}"
        )
        contact.secure_pin = "2468"
        contact.save()
        made.append(contact)
    return made


def texts_to(standin, phone: str) -> int:
    return sum(1 for message in standin.sent if message["to"] == phone)


def test_503s_for_the_first_three_requests_still_reach_each_of_five_contacts_once(
    secure_on, alice, twilio_standin
):
    twilio_standin.script(Reply(503), Reply(503), Reply(503))
    five = contacts(alice.organization, 5)
    result = send_message(
        alice.organization, contacts=five, channel="sms", secure=True, body=SECRET, sender=alice
    )
    assert [outcome.status for outcome in result.outcomes] == [DeliveryStatus.QUEUED] * 5

    # The clock stands still between moves, so no retry can fall due between two runs by chance
    # (the backoff's jitter may be a fraction of a second).
    with time_machine.travel(timezone.now(), tick=False) as clock:
        run_worker()
        waiting = list(Delivery.objects.filter(status=DeliveryStatus.QUEUED))
        assert (
            len(waiting) == 3 and Delivery.objects.filter(status=DeliveryStatus.SENT).count() == 2
        )
        for delivery in waiting:
            assert delivery.attempts == 1 and delivery.error_code == "503"
            assert delivery.next_attempt_at > timezone.now()  # backoff, not at once
            [row] = delivery.attempt_log
            assert row["error"] == "Twilio is unavailable (503)"
            assert row["retry_at"] == delivery.next_attempt_at.isoformat()

        run_worker()  # nothing is due yet
        assert len(twilio_standin.requests) == 5

        clock.move_to(max(delivery.next_attempt_at for delivery in waiting) + SECOND)
        run_worker()

    assert [request.status for request in twilio_standin.requests] == [
        503,
        503,
        503,
        201,
        201,
        201,
        201,
        201,
    ]
    assert all(texts_to(twilio_standin, contact.phone) == 1 for contact in five)
    retried = {delivery.pk for delivery in waiting}
    for delivery in Delivery.objects.all():
        assert delivery.status == DeliveryStatus.SENT and delivery.provider == "twilio"
        assert delivery.provider_id and delivery.error_code == "" and delivery.reason == ""
        if delivery.pk in retried:
            assert (
                delivery.attempts == 2 and len(delivery.attempt_log) == 1
            )  # the failed try stays recorded
        else:
            assert delivery.attempts == 1 and delivery.attempt_log == []
        kinds = sorted(Event.objects.filter(delivery=delivery).values_list("kind", flat=True))
        assert kinds == [EventKind.QUEUED, EventKind.SENT]
    assert all(SECRET not in str(request.form) for request in twilio_standin.requests)


def test_a_timeout_fails_as_ambiguous_and_no_later_task_or_sweep_sends_it_again(
    secure_on, alice, twilio_standin, monkeypatch
):
    monkeypatch.setattr(twilio_client, "TIMEOUT", (1.0, 0.3))
    twilio_standin.script(Reply.slow(1.0))  # Twilio creates the message, then answers too late
    [jane] = contacts(alice.organization, 1)
    send_message(
        alice.organization, contacts=[jane], channel="sms", secure=True, body=SECRET, sender=alice
    )

    with time_machine.travel(timezone.now(), tick=True) as clock:
        run_worker()
        delivery = Delivery.objects.get()
        assert (delivery.status, delivery.error_code) == (DeliveryStatus.FAILED, "ambiguous")
        assert delivery.attempts == 1 and delivery.attempt_log[0]["error"].startswith(
            "no answer from Twilio"
        )
        assert delivery.attempt_log[0]["retry_at"] is None

        # An hour of scheduler sweeps and worker runs later: still one text.
        clock.shift(datetime.timedelta(hours=1))
        assert settle_lapsed_claims() == 0
        run_worker()

    assert len(twilio_standin.requests) == 1 and texts_to(twilio_standin, jane.phone) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.FAILED, 1)
    kinds = sorted(Event.objects.filter(delivery=delivery).values_list("kind", flat=True))
    assert kinds == [EventKind.FAILED, EventKind.QUEUED]
    assert Event.objects.get(delivery=delivery, kind=EventKind.FAILED).detail["code"] == "ambiguous"
