"""The scheduler's sweep: lapsed claims fail as ambiguous; queued deliveries, however
overdue, need no sweep (the table is the queue)."""

import pytest
from django.utils import timezone

from hushpost.activity.models import Event, EventKind
from hushpost.delivery import lifecycle, send, sweep
from hushpost.delivery.models import Delivery, DeliveryStatus, OutboxEntry
from hushpost.scheduler import steps as scheduler

pytestmark = pytest.mark.django_db
MINUTE = timezone.timedelta(minutes=1)


def test_a_delivery_whose_worker_died_mid_send_is_failed_as_ambiguous_not_resent(queue):
    delivery = queue("sms")
    lifecycle.claim(delivery.pk)  # ... and the worker dies here
    assert sweep.settle_lapsed_claims() == 0  # the lease still runs
    later = timezone.now() + lifecycle.LEASE + MINUTE
    assert sweep.settle_lapsed_claims(now=later) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.error_code, delivery.lease_expires_at) == (
        DeliveryStatus.FAILED,
        "ambiguous",
        None,
    )
    assert delivery.attempt_log[-1]["error"] == "the worker stopped while sending"
    assert Event.objects.get(delivery=delivery, kind=EventKind.FAILED).detail["code"] == "ambiguous"
    assert send.send_delivery(delivery.pk) is False and not OutboxEntry.objects.exists()


def test_a_worker_that_finishes_after_the_sweep_still_records_the_truth(queue):
    delivery = queue("sms")
    claimed = lifecycle.claim(delivery.pk)
    sweep.settle_lapsed_claims(now=timezone.now() + lifecycle.LEASE + MINUTE)
    send._sent(claimed, send.Accepted(provider="twilio", provider_id="SM1"))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.provider_id) == (DeliveryStatus.SENT, "SM1")


def test_an_overdue_queued_delivery_is_left_to_the_workers_and_claimed_once(queue):
    delivery = queue("sms")  # queued hours ago; its workers were down meanwhile
    Delivery.objects.filter(pk=delivery.pk).update(
        next_attempt_at=timezone.now() - timezone.timedelta(hours=3)
    )
    assert sweep.settle_lapsed_claims() == 0
    assert Delivery.objects.get().status == DeliveryStatus.QUEUED
    # Two workers asking at once: one gets it.
    first = lifecycle.claim_due(10, worker="a")
    assert [d.pk for d in first] == [delivery.pk] and first[0].claimed_by == "a"
    assert lifecycle.claim_due(10, worker="b") == []


def test_held_sent_and_failed_deliveries_are_left_alone(queue):
    for status in (
        DeliveryStatus.HELD,
        DeliveryStatus.SENT,
        DeliveryStatus.FAILED,
        DeliveryStatus.DELIVERED,
    ):
        Delivery.objects.filter(pk=queue("sms").pk).update(
            status=status, lease_expires_at=timezone.now()
        )
    assert sweep.settle_lapsed_claims(now=timezone.now() + timezone.timedelta(days=1)) == 0


def test_the_scheduler_runs_the_sweep(queue, monkeypatch):
    lifecycle.claim(queue("sms").pk)  # ... and the worker dies here
    Delivery.objects.update(lease_expires_at=timezone.now() - MINUTE)
    assert dict(scheduler.STEPS)["settle lapsed claims"] is sweep.settle_lapsed_claims
    assert scheduler.tick() == 1
    assert Delivery.objects.get().error_code == "ambiguous"
