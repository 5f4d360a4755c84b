"""Staff send a failed delivery again (the Deliveries page's Retry button).

The same delivery goes back to the queue: same row, same idempotency key, so
it can still succeed at most once. What would hold it back at send time
(opted out, no address, a changed address) refuses the retry up front, with
the same words. A failure that may already have reached the provider
(`ambiguous`) is retried only when staff confirm they checked the provider's
log; otherwise the contact could get it twice. An ambiguous text message
needs no one: reconciliation (reconcile.py, every scheduler tick) asks Twilio
and settles it, so staff are told to wait instead.

`attempts` is never reset: it tells one claim from the next (send.py's
`_under_claim`), so a worker that outlived its lease can't overwrite this retry.
A delivery already past HUSHPOST_DELIVERY_MAX_ATTEMPTS therefore gets one
more try per manual retry, not a fresh round of automatic ones.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from hushpost.delivery import retry_policy
from hushpost.delivery.holds import why_held
from hushpost.delivery.lifecycle import Move, apply
from hushpost.delivery.models import Channel, Delivery, DeliveryStatus


class RetryRefused(Exception):
    """Why a delivery can't be sent again, in words for staff."""

    def __init__(self, message: str, *, needs_confirmation: bool = False):
        super().__init__(message)
        self.message = message
        self.needs_confirmation = needs_confirmation


NOT_FAILED = "Only failed deliveries can be retried; this one is {status}."
CONFIRM_AMBIGUOUS = (
    "The provider may already have this message. Check the provider's log first, "
    "then confirm to send it again."
)

SETTLES_ITSELF = (
    "Hushpost is checking with Twilio — this settles itself within minutes: "
    "marked sent if Twilio has it, sent again if Twilio never got it."
)


def is_ambiguous(delivery: Delivery) -> bool:
    return delivery.error_code == retry_policy.AMBIGUOUS_CODE


def settles_itself(delivery: Delivery) -> bool:
    """Ambiguous, but reconciliation will ask the provider (only Twilio keeps a log we can read)."""
    return is_ambiguous(delivery) and delivery.channel == Channel.SMS


def retry_failed(delivery: Delivery, actor, *, confirmed_not_sent: bool = False) -> Delivery:
    """Queue a failed delivery again, now; RetryRefused when it must not go out."""
    with transaction.atomic():
        # Locked and read fresh: two clicks (or a late worker) see one retry.
        current = (
            Delivery.objects.select_for_update(no_key=True, of=("self",))
            .select_related("contact", "organization")
            .get(pk=delivery.pk)
        )
        if current.status != DeliveryStatus.FAILED:
            raise RetryRefused(NOT_FAILED.format(status=current.get_status_display().lower()))
        reason = why_held(current)
        if reason:
            raise RetryRefused(f"Not retried: {reason}.")
        if is_ambiguous(current) and not confirmed_not_sent:
            raise RetryRefused(
                SETTLES_ITSELF if settles_itself(current) else CONFIRM_AMBIGUOUS,
                needs_confirmation=True,
            )
        now = timezone.now()
        detail = {
            "manual": True,
            "retried_by": actor.email,
            "previous_reason": current.reason,
            "previous_code": current.error_code,
        }
        if current.error_code == retry_policy.AMBIGUOUS_CODE:
            detail["checked_provider_log"] = True
        if not apply(
            current,
            Move.STAFF_RETRY,
            log={"at": now.isoformat(), "retry_by": actor.email},
            actor=actor,
            detail=detail,
            now=now,
            next_attempt_at=now,
            reason="",
            error_code="",
            failed_at=None,
        ):
            # Another retry (SQLite has no row locks) or a late worker got there first.
            current.refresh_from_db(fields=["status"])
            raise RetryRefused(NOT_FAILED.format(status=current.get_status_display().lower()))
    return current
