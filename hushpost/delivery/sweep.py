"""The scheduler's sweep: deliveries whose worker or task went missing.

django-tasks-db leaves a task "running" when its worker dies and has no
retries of its own, so the deliveries carry their own state and this step
reads it:
- sending past its lease: the worker died during (or just before) the
  provider call. The claim and the call are back to back, so the provider may
  have the message: it is failed as ambiguous, never re-sent blindly.
- queued and overdue: its task was lost (the process died between the commit
  and the enqueue, or a worker took the task and died before claiming). It is
  enqueued again; the claim makes a second task for it harmless.
"""

from __future__ import annotations

import datetime
from functools import partial

from django.db import transaction
from django.utils import timezone

from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.delivery import retry_policy
from hushpost.delivery.models import Delivery, DeliveryStatus
from hushpost.delivery.send import LEASE, enqueue_send

# A due delivery normally starts within seconds; a minute late means no task.
STUCK_AFTER = datetime.timedelta(minutes=1)
# Keep one scheduler tick short; the rest waits for the next tick.
BATCH = 500


def requeue_stuck_deliveries(now: datetime.datetime | None = None) -> int:
    """Settle lapsed claims and re-enqueue overdue deliveries; return how many were touched."""
    now = now or timezone.now()
    return _fail_lapsed_claims(now) + _requeue_overdue(now)


def _fail_lapsed_claims(now: datetime.datetime) -> int:
    done = 0
    lapsed = Delivery.objects.filter(status=DeliveryStatus.SENDING, lease_expires_at__lt=now)
    for delivery in lapsed.select_related("organization", "contact", "message", "link")[:BATCH]:
        # claimed_at bounds when the provider can have got it (reconcile.py searches from there).
        row = {
            "at": now.isoformat(),
            "attempt": delivery.attempts,
            "error": "the worker stopped while sending",
            "retry_at": None,
            "claimed_at": (delivery.lease_expires_at - LEASE).isoformat(),
        }
        with transaction.atomic():
            # Conditional on the lease seen, so a worker that just finished wins.
            taken = Delivery.objects.filter(
                pk=delivery.pk,
                status=DeliveryStatus.SENDING,
                lease_expires_at=delivery.lease_expires_at,
            ).update(
                status=DeliveryStatus.FAILED,
                reason=retry_policy.AMBIGUOUS_REASON,
                error_code=retry_policy.AMBIGUOUS_CODE,
                failed_at=now,
                lease_expires_at=None,
                attempt_log=[*delivery.attempt_log, row],
                updated_at=now,
            )
            if taken:
                record(
                    delivery.organization,
                    EventKind.FAILED,
                    contact=delivery.contact,
                    message=delivery.message,
                    delivery=delivery,
                    link=delivery.link,
                    channel=delivery.channel,
                    attempt=delivery.attempts,
                    reason=retry_policy.AMBIGUOUS_REASON,
                    code=retry_policy.AMBIGUOUS_CODE,
                )
        done += taken
    return done


def _requeue_overdue(now: datetime.datetime) -> int:
    done = 0
    overdue = Delivery.objects.filter(
        status=DeliveryStatus.QUEUED, next_attempt_at__lt=now - STUCK_AFTER
    )
    for pk, due in overdue.order_by("next_attempt_at").values_list("pk", "next_attempt_at")[:BATCH]:
        with transaction.atomic():
            # Stamping next_attempt_at keeps the next ticks from enqueueing it
            # again for another STUCK_AFTER (workers may just be down).
            taken = Delivery.objects.filter(
                pk=pk, status=DeliveryStatus.QUEUED, next_attempt_at=due
            ).update(next_attempt_at=now, updated_at=now)
            if taken:
                transaction.on_commit(partial(enqueue_send, pk), robust=True)
        done += taken
    return done
