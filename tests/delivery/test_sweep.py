"""The scheduler's sweep: lapsed claims fail as ambiguous, overdue queued
deliveries get a task again."""

import pytest
import time_machine
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from hushpost.activity.models import Event, EventKind
from hushpost.delivery import send, sweep
from hushpost.delivery.models import Delivery, DeliveryStatus, OutboxEntry
from hushpost.scheduler import steps as scheduler

pytestmark = pytest.mark.django_db
MINUTE = timezone.timedelta(minutes=1)


def test_a_delivery_whose_worker_died_mid_send_is_failed_as_ambiguous_not_resent(queue):
    delivery = queue("sms")
    send.claim(delivery.pk)  # ... and the worker dies here
    assert sweep.requeue_stuck_deliveries() == 0  # the lease still runs
    later = timezone.now() + send.LEASE + MINUTE
    assert sweep.requeue_stuck_deliveries(now=later) == 1
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
    claimed = send.claim(delivery.pk)
    sweep.requeue_stuck_deliveries(now=timezone.now() + send.LEASE + MINUTE)
    send._sent(claimed, send.Accepted(provider="twilio", provider_id="SM1"))
    delivery.refresh_from_db()
    assert (delivery.status, delivery.provider_id) == (DeliveryStatus.SENT, "SM1")


def test_an_overdue_queued_delivery_gets_its_task_again_once_a_minute_at_most(
    queue, django_capture_on_commit_callbacks
):
    delivery = queue("sms")  # its task was lost: the test never ran the on-commit callback
    assert sweep.requeue_stuck_deliveries() == 0  # not overdue yet
    now = timezone.now() + 2 * MINUTE
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep.requeue_stuck_deliveries(now=now) == 1
    task = DBTaskResult.objects.get()
    assert task.args_kwargs["args"] == [str(delivery.pk)]
    assert sweep.requeue_stuck_deliveries(now=now + MINUTE / 2) == 0
    assert Delivery.objects.get().next_attempt_at == now
    # A duplicate task is harmless: the claim lets one through.
    with time_machine.travel(now + MINUTE / 2):
        assert send.send_delivery(delivery.pk) is True
        assert send.send_delivery(delivery.pk) is False
    assert OutboxEntry.objects.count() == 1


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
    assert sweep.requeue_stuck_deliveries(now=timezone.now() + timezone.timedelta(days=1)) == 0


def test_the_scheduler_runs_the_sweep(queue, monkeypatch):
    queue("sms")
    Delivery.objects.update(next_attempt_at=timezone.now() - 2 * MINUTE)
    assert dict(scheduler.STEPS)["requeue stuck deliveries"] is sweep.requeue_stuck_deliveries
    assert scheduler.tick() == 1
