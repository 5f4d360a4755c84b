"""Ask Twilio about text messages that may or may not have gone out.

A delivery failed as `ambiguous` (a 500, a read timeout, a worker killed
mid-call) may already be with the contact. Each SMS body is unique (it holds
the link), so the provider's own log settles it: list the messages Twilio has
to that number, keep those created since the attempt began, and compare
bodies by hash.

The list is asked for by number alone. Twilio's only date filter is on
DateSent, which a message still queued or accepted at Twilio (or scheduled)
doesn't have yet: filtering on it made such a message look absent, and it
was sent a second time. So the newest MAX_LISTED messages to the number are
read, and an absence counts only when that list is complete (shorter than
MAX_LISTED) — a number with a longer history leaves the delivery for staff
rather than risk a second text.

- found: Twilio took it. The delivery takes what Twilio says became of it —
  sent (or still on its way), delivered, or failed/undelivered with Twilio's
  error code and the same readable reason and STOP opt-out as a status
  callback (callbacks.py) — with Twilio's id, so later callbacks find it and
  only move it forward.
- not found in a complete list, and the attempt is old enough that Twilio
  lists everything it took (AUTHORITATIVE_AFTER): Twilio surely doesn't hold
  it. It is queued again — the same row and idempotency key, so it still
  goes out at most once.
- not found yet, or Twilio can't be asked: left alone for the next run. It
  is never re-sent while the answer is unknown.

Email over SMTP has no log to ask; it stays for staff (staff_retry.py).
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import logging
from collections import Counter
from dataclasses import dataclass
from functools import partial

import requests
from django.db import transaction
from django.utils import timezone
from twilio.base.exceptions import TwilioException

from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.delivery import retry_policy
from hushpost.delivery.callbacks import TWILIO_STATUS, readable_reason
from hushpost.delivery.channels import twilio_configured
from hushpost.delivery.channels.twilio_client import OPTED_OUT
from hushpost.delivery.models import Channel, Delivery, DeliveryStatus
from hushpost.delivery.send import LEASE, enqueue_send

logger = logging.getLogger(__name__)

# Twilio lists a message it accepted within seconds; after this long, absent
# from its list means never accepted.
AUTHORITATIVE_AFTER = datetime.timedelta(minutes=5)
# Our clock against Twilio's: the search starts this much before the attempt.
CLOCK_SKEW = datetime.timedelta(minutes=2)
# Keep one scheduler tick short; the rest waits for the next one.
BATCH = 200
# Messages read per number (one page); a number with a longer history can't
# prove an absence, and its ambiguous deliveries wait for staff.
MAX_LISTED = 1000


@dataclass(frozen=True)
class Listed:
    sid: str
    status: str
    body_hash: bytes
    error_code: str = ""


def body_hash(body: str | None) -> bytes:
    return hashlib.sha256((body or "").encode()).digest()


def attempt_window(delivery: Delivery) -> tuple[datetime.datetime, datetime.datetime]:
    """When the provider can first and last have got this attempt (by our clock)."""
    last = delivery.attempt_log[-1] if delivery.attempt_log else {}
    if last.get("claimed_at"):
        # Settled by the sweep: the call was somewhere inside the lease.
        claimed = datetime.datetime.fromisoformat(last["claimed_at"])
        return claimed, claimed + LEASE
    # Written by the worker itself right after the call, which the lease bounds.
    at = last.get("at")
    ended = (
        datetime.datetime.fromisoformat(at) if at else (delivery.failed_at or delivery.updated_at)
    )
    return ended - LEASE, ended


def ambiguous_sms():
    return Delivery.objects.filter(
        status=DeliveryStatus.FAILED, error_code=retry_policy.AMBIGUOUS_CODE, channel=Channel.SMS
    )


def reconcile_deliveries(now: datetime.datetime | None = None) -> int:
    """Settle what Twilio can answer for; return how many deliveries were settled."""
    return sum(count for outcome, count in reconcile(now).items() if outcome != "unknown")


def reconcile(now: datetime.datetime | None = None) -> Counter:
    """Counts by outcome: found (Twilio took it), failed (Twilio took it, then it failed),
    not_found (queued again), unknown (still waiting for a clear answer)."""
    now = now or timezone.now()
    outcomes: Counter = Counter()
    if not twilio_configured():
        return outcomes
    pending = list(
        ambiguous_sms()
        .select_related("organization", "contact", "message", "link")
        .order_by("failed_at")[:BATCH]
    )
    if not pending:
        return outcomes
    from hushpost.delivery.channels import twilio_client

    client, _ = twilio_client.make_client()
    by_number: dict[str, list[Delivery]] = {}
    for delivery in pending:
        by_number.setdefault(delivery.to, []).append(delivery)
    for number, deliveries in by_number.items():
        since = min(attempt_window(d)[0] for d in deliveries) - CLOCK_SKEW
        try:
            listed, complete = _listed(client, number, since)
        except (TwilioException, requests.RequestException) as error:
            logger.warning(
                "reconcile: could not list Twilio messages (%s); %d deliveries wait",
                type(error).__name__,
                len(deliveries),
            )
            outcomes["unknown"] += len(deliveries)
            continue
        # A message already matched to a delivery is no one else's.
        taken = set(
            Delivery.objects.filter(
                provider="twilio", provider_id__in=[m.sid for m in listed]
            ).values_list("provider_id", flat=True)
        )
        listed = [m for m in listed if m.sid not in taken]
        for delivery in deliveries:
            outcomes[_settle_one(delivery, listed, now, complete=complete)] += 1
    return outcomes


def _listed(client, number: str, since: datetime.datetime) -> tuple[list[Listed], bool]:
    """Twilio's messages to `number` created since `since`, and whether that is all of them.

    No DateSent filter (see the module docstring): queued, accepted and
    scheduled messages have no DateSent and would be left out.
    """
    messages = client.api.account.messages.list(
        to=number, limit=MAX_LISTED, page_size=min(MAX_LISTED, 1000)
    )
    listed = [
        Listed(
            m.sid or "",
            (m.status or "").lower(),
            body_hash(m.body),
            str(m.error_code) if m.error_code else "",
        )
        for m in messages
        if m.date_created is None or m.date_created >= since
    ]
    return listed, len(messages) < MAX_LISTED


def _settle_one(
    delivery: Delivery, listed: list[Listed], now: datetime.datetime, *, complete: bool
) -> str:
    wanted = body_hash(delivery.body)
    match = next((m for m in listed if hmac.compare_digest(m.body_hash, wanted)), None)
    if match is not None:
        listed.remove(match)
        if not _mark_found(delivery, match, now):
            return "unknown"
        return "failed" if TWILIO_STATUS.get(match.status) == DeliveryStatus.FAILED else "found"
    if now - attempt_window(delivery)[1] < AUTHORITATIVE_AFTER or not complete:
        return "unknown"
    return "not_found" if _requeue(delivery, now) else "unknown"


def _still_ambiguous(delivery: Delivery):
    # Conditional on the row as read: a late worker answer or a staff retry wins.
    return Delivery.objects.filter(
        pk=delivery.pk,
        status=DeliveryStatus.FAILED,
        error_code=retry_policy.AMBIGUOUS_CODE,
        attempts=delivery.attempts,
    )


def _event(delivery: Delivery, **detail) -> None:
    record(
        delivery.organization,
        EventKind.DELIVERY_RECONCILED,
        contact=delivery.contact,
        message=delivery.message,
        delivery=delivery,
        link=delivery.link,
        channel=delivery.channel,
        attempt=delivery.attempts,
        provider="twilio",
        **detail,
    )


def _mark_found(delivery: Delivery, match: Listed, now: datetime.datetime) -> bool:
    """Take Twilio's word for what became of it. Statuses before "sent" (queued,
    accepted, scheduled, sending) count as sent: Twilio has it and callbacks move it on."""
    status = TWILIO_STATUS.get(match.status, DeliveryStatus.SENT)
    row = {
        "at": now.isoformat(),
        "attempt": delivery.attempts,
        "reconciled": "found",
        "provider_status": match.status,
    }
    fields = {
        "status": status,
        "provider": "twilio",
        "provider_id": match.sid,
        "provider_status": match.status,
        "sent_at": delivery.failed_at or now,
        "failed_at": None,
        "reason": "",
        "error_code": "",
        "updated_at": now,
    }
    detail = {"outcome": "found", "provider_id": match.sid, "provider_status": match.status}
    opted_out = False
    if status == DeliveryStatus.DELIVERED:
        fields["delivered_at"] = now
    elif status == DeliveryStatus.FAILED:
        reason = readable_reason(match.error_code, match.status)
        fields.update(failed_at=now, reason=reason, error_code=match.error_code)
        detail.update(reason=reason, code=match.error_code)
        opted_out = match.error_code in OPTED_OUT
        if opted_out:
            detail["opted_out"] = True
    with transaction.atomic():
        taken = _still_ambiguous(delivery).update(
            attempt_log=[*delivery.attempt_log, row], **fields
        )
        if taken:
            if opted_out:
                type(delivery.contact).objects.filter(pk=delivery.contact_id).update(
                    sms_opt_out=True
                )
            _event(delivery, **detail)
    return bool(taken)


def _requeue(delivery: Delivery, now: datetime.datetime) -> bool:
    row = {"at": now.isoformat(), "attempt": delivery.attempts, "reconciled": "not_found"}
    with transaction.atomic():
        taken = _still_ambiguous(delivery).update(
            status=DeliveryStatus.QUEUED,
            next_attempt_at=min(now, timezone.now()),
            failed_at=None,
            reason="",
            error_code="",
            lease_expires_at=None,
            attempt_log=[*delivery.attempt_log, row],
            updated_at=now,
        )
        if taken:
            _event(delivery, outcome="not_found")
            transaction.on_commit(partial(enqueue_send, delivery.pk), robust=True)
    return bool(taken)
