"""The scheduler's sweep: deliveries whose worker went missing.

A delivery carries its own state, so a worker that dies leaves it `sending`
past its lease: the worker died during (or just before) the provider call.
The claim and the call are back to back, so the provider may have the
message: it is failed as ambiguous, never re-sent blindly (reconciliation
then asks Twilio). A queued delivery needs nothing here: the table is the
queue, so there is no task to lose and any worker takes it when it is due.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from hushpost.delivery import retry_policy
from hushpost.delivery.lifecycle import LEASE, Move, apply
from hushpost.delivery.models import Delivery, DeliveryStatus

# Keep one scheduler tick short; the rest waits for the next tick.
BATCH = 500


def settle_lapsed_claims(now: datetime.datetime | None = None) -> int:
    """Fail as ambiguous what a worker claimed and never settled; return how many."""
    now = now or timezone.now()
    done = 0
    lapsed = Delivery.objects.filter(status=DeliveryStatus.SENDING, lease_expires_at__lt=now)
    for delivery in lapsed.select_related("organization", "contact", "message", "link")[:BATCH]:
        lease = delivery.lease_expires_at
        assert lease is not None  # the filter above: only rows with a lapsed lease
        # claimed_at bounds when the provider can have got it (reconcile.py searches from there).
        row = {
            "at": now.isoformat(),
            "attempt": delivery.attempts,
            "error": "the worker stopped while sending",
            "retry_at": None,
            "claimed_at": (lease - LEASE).isoformat(),
        }
        # Conditional on the lease seen, so a worker that just finished wins.
        done += apply(
            delivery,
            Move.LAPSE,
            fence={"lease_expires_at": lease},
            log=row,
            now=now,
            reason=retry_policy.AMBIGUOUS_REASON,
            error_code=retry_policy.AMBIGUOUS_CODE,
            failed_at=now,
            detail={
                "attempt": delivery.attempts,
                "reason": retry_policy.AMBIGUOUS_REASON,
                "code": retry_policy.AMBIGUOUS_CODE,
            },
        )
    return done
