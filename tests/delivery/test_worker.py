"""Deliveries through the real `worker` command: the Delivery table is its queue."""

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from hushpost.delivery.models import Delivery, DeliveryStatus
from hushpost.delivery.send import queue_delivery
from tests.delivery.conftest import NOTIFICATION
from tests.twilio_standin import Reply
from tests.worker_run import run_worker

# The worker commits in its own transactions, like a real worker process.
pytestmark = pytest.mark.django_db(transaction=True)


def queue_sms(jane, key="worker:1"):
    with transaction.atomic():
        delivery = queue_delivery(
            organization=jane.organization,
            contact=jane,
            channel="sms",
            to=jane.phone,
            subject="",
            body=NOTIFICATION,
            idempotency_key=key,
        )
    return delivery


def test_the_worker_sends_a_delivery_queued_in_a_transaction(jane, twilio_standin):
    delivery = queue_sms(jane)
    run_worker()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert [m["body"] for m in twilio_standin.sent] == [NOTIFICATION]
    # Claimed straight from its row, by a named worker; no task row was ever made.
    assert delivery.claimed_by and not DBTaskResult.objects.exists()


def test_a_retry_waits_for_the_backoff(jane, twilio_standin):
    twilio_standin.script(Reply(503))
    delivery = queue_sms(jane)
    run_worker()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.QUEUED
    assert delivery.next_attempt_at > timezone.now()
    run_worker()  # not due yet: nothing is sent
    assert len(twilio_standin.sent) == 0
    # Due now: the worker takes it and Twilio gets the message once.
    Delivery.objects.update(next_attempt_at=timezone.now())
    run_worker()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert len(twilio_standin.sent) == 1
