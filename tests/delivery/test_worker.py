"""Deliveries through the real django-tasks-db backend and its db_worker command."""

import signal

import pytest
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from hushpost.delivery.models import Delivery, DeliveryStatus
from hushpost.delivery.send import queue_delivery
from tests.delivery.conftest import NOTIFICATION
from tests.twilio_standin import Reply

# The worker commits in its own transactions, like a real worker process.
pytestmark = pytest.mark.django_db(transaction=True)


def run_worker() -> None:
    """Run every due task once, as `manage db_worker --batch` would, then give Ctrl-C back."""
    handlers = {
        sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)
    }
    try:
        call_command(
            "db_worker",
            "--batch",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            "0",
            verbosity=0,
        )
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


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
        assert not DBTaskResult.objects.exists()  # only once the caller commits
    return delivery


def test_the_worker_sends_a_delivery_queued_in_a_transaction(jane, twilio_standin):
    delivery = queue_sms(jane)
    task = DBTaskResult.objects.get()
    assert task.task_path == "hushpost.delivery.tasks.send_delivery_task"
    run_worker()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert [m["body"] for m in twilio_standin.sent] == [NOTIFICATION]
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL"


def test_a_retry_is_enqueued_to_run_after_the_backoff(jane, twilio_standin):
    twilio_standin.script(Reply(503))
    delivery = queue_sms(jane)
    run_worker()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.QUEUED
    retry_task = DBTaskResult.objects.get(status="READY")
    assert retry_task.run_after == delivery.next_attempt_at
    assert retry_task.args_kwargs["args"] == [str(delivery.pk)]
    # Due now: the worker takes it and Twilio gets the message once.
    Delivery.objects.update(next_attempt_at=retry_task.enqueued_at)
    DBTaskResult.objects.filter(pk=retry_task.pk).update(run_after=retry_task.enqueued_at)
    run_worker()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENT
    assert len(twilio_standin.sent) == 1
