"""queue_delivery and hold_delivery: the two calls the messaging layer makes."""

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from hushpost.activity.models import Event, EventKind
from hushpost.delivery import lifecycle
from hushpost.delivery.models import Delivery, DeliveryStatus, OutboxEntry
from hushpost.delivery.send import hold_delivery, queue_delivery, send_delivery
from hushpost.log_context import bound
from tests.delivery.conftest import NOTIFICATION

pytestmark = pytest.mark.django_db


def test_it_queues_a_delivery_with_its_event_due_at_once_for_the_workers(queue, jane):
    with bound(request_id="req-compose-1"):
        delivery = queue("email", subject="A secure message", actor_label="alice@riverside.example")
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.QUEUED
    assert (delivery.to, delivery.subject, delivery.body) == (
        "jane@example.com",
        "A secure message",
        NOTIFICATION,
    )
    # What goes to the provider is stored encrypted.
    assert NOTIFICATION not in delivery.body_encrypted
    event = Event.objects.get(delivery=delivery)
    assert (event.kind, event.contact, event.actor_label) == (
        EventKind.QUEUED,
        jane,
        "alice@riverside.example",
    )
    # The row is the queue: no task row, and the worker's log lines will name the request.
    assert not DBTaskResult.objects.exists()
    assert delivery.request_id == "req-compose-1"
    assert [d.pk for d in lifecycle.claim_due(10)] == [delivery.pk]


def test_a_claim_takes_at_most_its_limit_oldest_due_first(queue):
    waiting = [queue() for _ in range(7)]
    first = lifecycle.claim_due(3, worker="a")
    # Exactly the limit, in queue order; the rest stay queued for the next claim.
    assert [d.pk for d in first] == [d.pk for d in waiting[:3]]
    assert {d.status for d in first} == {DeliveryStatus.SENDING}
    assert [(d.attempts, d.claimed_by) for d in first] == [(1, "a")] * 3
    assert Delivery.objects.filter(status=DeliveryStatus.QUEUED).count() == 4
    second = lifecycle.claim_due(3, worker="b")
    assert [d.pk for d in second] == [d.pk for d in waiting[3:6]]
    assert [d.pk for d in lifecycle.claim_due(3, worker="c")] == [waiting[6].pk]
    assert lifecycle.claim_due(3, worker="c") == []


def test_nothing_is_queued_when_the_callers_transaction_rolls_back(jane):
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            queue_delivery(
                organization=jane.organization,
                contact=jane,
                channel="sms",
                to=jane.phone,
                subject="",
                body=NOTIFICATION,
                idempotency_key="k1",
            )
            raise RuntimeError("the send failed further on")
    assert not Delivery.objects.exists() and not Event.objects.exists()
    assert lifecycle.claim_due(10) == []


def test_the_same_idempotency_key_gives_back_the_first_delivery(queue):
    first = queue(key="send:1:jane")
    again = queue(key="send:1:jane", body="something else")
    assert again.pk == first.pk and again.body == NOTIFICATION
    assert Delivery.objects.count() == 1 and Event.objects.count() == 1


def test_another_organizations_key_is_refused(queue, org_b):
    queue(key="shared-key")
    from hushpost.contacts.models import Contact

    other = Contact.objects.create(organization=org_b, name="Olga", phone="+442071838750")
    with pytest.raises(ValueError):
        queue_delivery(
            organization=org_b,
            contact=other,
            channel="sms",
            to=other.phone,
            subject="",
            body="x",
            idempotency_key="shared-key",
        )


def test_a_held_delivery_records_the_reason_and_is_never_sent(jane):
    held = hold_delivery(
        organization=jane.organization,
        contact=jane,
        channel="sms",
        to=jane.phone,
        reason="opted out of text messages",
        idempotency_key="h1",
    )
    assert lifecycle.claim_due(10) == []
    assert (held.status, held.reason) == (DeliveryStatus.HELD, "opted out of text messages")
    event = Event.objects.get(delivery=held)
    assert (event.kind, event.detail["reason"]) == (EventKind.HELD, "opted out of text messages")
    assert send_delivery(held.pk) is False
    held.refresh_from_db()
    assert held.status == DeliveryStatus.HELD and held.attempts == 0
    assert not OutboxEntry.objects.exists()


def test_holding_twice_with_one_key_holds_once(jane):
    for _ in range(2):
        hold_delivery(
            organization=jane.organization,
            contact=jane,
            channel="email",
            to="",
            reason="no email address on file",
            idempotency_key="h2",
        )
    assert Delivery.objects.count() == 1 and Event.objects.count() == 1
