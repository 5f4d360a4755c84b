"""Send due webhook messages. The outbox rows are the queue.

`claim_due` takes due rows with one conditional UPDATE each (pending and due,
or sending past a lapsed lease → sending, with a lease), at most
PER_ENDPOINT in flight for any endpoint, so however many senders run, a row
goes out once per try and one slow receiver can hold only a few of the
threads. `deliver` signs and posts one message through the outbound seam
(10 s for the whole exchange, no redirects, any 2xx is success) and writes
the outcome back only while its claim stands. Retries follow the Standard
Webhooks schedule; an endpoint that has failed for five days is turned off
and its owners are told once.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Min, Q
from django.utils import timezone

from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.outbound.client import request
from hushpost.outbound.errors import OutboundError
from hushpost.webhooks.endpoints import give_up_pending
from hushpost.webhooks.models import MessageStatus, WebhookAttempt, WebhookEndpoint, WebhookMessage
from hushpost.webhooks.owners import tell_owners_disabled
from hushpost.webhooks.signing import secrets_in_force, signed_headers

logger = logging.getLogger(__name__)

# The specification's suggested schedule: at once, then after 5 s, 5 min,
# 30 min, 2 h, 5 h, 10 h and 10 h again — eight tries over about 27 hours.
SCHEDULE = (
    timedelta(0),
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
TIMEOUT = 10.0
# Longer than one try can take (TIMEOUT plus writing it down); past it the
# sender is presumed dead and the message is tried again (receivers dedupe
# by webhook-id, so a repeat is harmless where a loss is not).
LEASE = timedelta(seconds=60)
PER_ENDPOINT = 2
DISABLE_AFTER = timedelta(days=5)
MAX_ANSWER_BYTES = 1024
USER_AGENT = "Hushpost-Webhooks/1"


@dataclass(frozen=True)
class Result:
    succeeded: bool
    status_code: int | None
    error: str
    duration_ms: int


def _due(now: datetime) -> Q:
    return Q(status=MessageStatus.PENDING, next_attempt_at__lte=now) | Q(
        status=MessageStatus.SENDING, lease_expires_at__lte=now
    )


def claim_due(limit: int, now: datetime | None = None) -> list[int]:
    """Claim up to `limit` due messages, fairly across endpoints; returns their ids."""
    now = now or timezone.now()
    in_flight: dict = {}
    for endpoint_id in WebhookMessage.objects.filter(
        status=MessageStatus.SENDING, lease_expires_at__gt=now
    ).values_list("endpoint_id", flat=True):
        in_flight[endpoint_id] = in_flight.get(endpoint_id, 0) + 1
    # Endpoints with due work, the longest waiting first; each gets its share.
    waiting = (
        WebhookMessage.objects.filter(_due(now))
        .values("endpoint_id")
        .annotate(oldest=Min("next_attempt_at"))
        .order_by("oldest")[: limit * 4]
    )
    claimed: list[int] = []
    for row in waiting:
        room = PER_ENDPOINT - in_flight.get(row["endpoint_id"], 0)
        if room <= 0:
            continue
        candidates = (
            WebhookMessage.objects.filter(_due(now), endpoint_id=row["endpoint_id"])
            .order_by("next_attempt_at", "id")
            .values_list("pk", "status", "attempts")[:room]
        )
        for pk, status, attempts in candidates:
            taken = WebhookMessage.objects.filter(pk=pk, status=status, attempts=attempts).update(
                status=MessageStatus.SENDING,
                attempts=F("attempts") + 1,
                lease_expires_at=now + LEASE,
                updated_at=now,
            )
            if taken:
                claimed.append(pk)
                if len(claimed) >= limit:
                    return claimed
    return claimed


def post(message: WebhookMessage) -> Result:
    """Sign and send the message once; never raises for what the receiver does."""
    endpoint = message.endpoint
    body = json.dumps(message.payload, separators=(",", ":"), ensure_ascii=False)
    # Signed at the real time of sending: receivers refuse timestamps more than
    # a few minutes off (replay protection), whatever the schedule's clock says.
    sent_at = timezone.now()
    started = time.monotonic()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        **signed_headers(secrets_in_force(endpoint, sent_at), message.webhook_id, body, sent_at),
    }
    try:
        answer = request(
            "POST",
            endpoint.url,
            body=body.encode(),
            headers=headers,
            timeout=TIMEOUT,
            max_body=MAX_ANSWER_BYTES,
            allow_private=settings.HUSHPOST_WEBHOOKS_ALLOW_PRIVATE,
            require_https=settings.PRODUCTION,
        )
    except OutboundError as error:
        return Result(False, None, error.reason, int((time.monotonic() - started) * 1000))
    duration = int(answer.elapsed * 1000)
    if 200 <= answer.status < 300:
        return Result(True, answer.status, "", duration)
    if 300 <= answer.status < 400:
        error = f"answered HTTP {answer.status}: redirects are not followed; give the final URL."
    else:
        error = f"answered HTTP {answer.status}; any 2xx counts as received."
    return Result(False, answer.status, error, duration)


def deliver(message_id: int, now: datetime | None = None) -> Result | None:
    """Send one claimed message and write the outcome; None when the claim is gone."""
    now = now or timezone.now()
    message = (
        WebhookMessage.objects.select_related("endpoint__organization")
        .filter(pk=message_id, status=MessageStatus.SENDING)
        .first()
    )
    if message is None:
        return None
    result = post(message)
    settle(message, result, now=now)
    return result


def settle(message: WebhookMessage, result: Result, *, now: datetime) -> None:
    step = message.schedule_step + 1
    retry_at = None
    if result.succeeded:
        fields = {"status": MessageStatus.SUCCEEDED, "next_attempt_at": None}
    elif step < len(SCHEDULE):
        retry_at = now + SCHEDULE[step]
        fields = {
            "status": MessageStatus.PENDING,
            "next_attempt_at": retry_at,
            "schedule_step": step,
        }
    else:
        fields = {"status": MessageStatus.FAILED, "next_attempt_at": None}
    with transaction.atomic():
        held = WebhookMessage.objects.filter(
            pk=message.pk, status=MessageStatus.SENDING, attempts=message.attempts
        ).update(lease_expires_at=None, updated_at=timezone.now(), **fields)
        if not held:
            logger.warning("webhook message %s: sent, but the claim lapsed meanwhile", message.pk)
            return
        WebhookAttempt.objects.create(
            organization_id=message.organization_id,
            endpoint_id=message.endpoint_id,
            message=message,
            attempted_at=now,
            succeeded=result.succeeded,
            status_code=result.status_code,
            duration_ms=result.duration_ms,
            error=result.error[:300],
            next_attempt_at=retry_at,
        )
        if result.succeeded:
            WebhookEndpoint.objects.filter(
                pk=message.endpoint_id, failing_since__isnull=False
            ).update(failing_since=None)
        else:
            _count_failure(message.endpoint, now)


def _count_failure(endpoint: WebhookEndpoint, now: datetime) -> None:
    WebhookEndpoint.objects.filter(pk=endpoint.pk, failing_since__isnull=True).update(
        failing_since=now
    )
    since = (
        WebhookEndpoint.objects.filter(pk=endpoint.pk)
        .values_list("failing_since", flat=True)
        .first()
    )
    if since is None or now - since < DISABLE_AFTER:
        return
    reason = f"every attempt failed for 5 days (since {since:%Y-%m-%d %H:%M} UTC)"
    # Conditional, so of several senders failing at once one turns it off and tells the owners.
    if WebhookEndpoint.objects.filter(pk=endpoint.pk, enabled=True).update(
        enabled=False, disabled_reason=reason, updated_at=now
    ):
        logger.warning("webhook endpoint %s turned off: %s", endpoint.pk, reason)
        give_up_pending(endpoint, now=now)
        record(
            endpoint.organization,
            EventKind.SETTINGS_CHANGED,
            actor_label="system",
            section="webhooks",
            change="turned off after 5 days of failures",
            endpoint=endpoint.pk,
        )
        transaction.on_commit(lambda: tell_owners_disabled(endpoint.pk, reason))


def send_due(limit: int = 50, now: datetime | None = None) -> int:
    """Claim and send due messages one after another; how many were tried. For tests and
    the one-process case; `hushpost webhooks` runs `deliver` on a pool of threads."""
    now = now or timezone.now()
    ids = claim_due(limit, now)
    for message_id in ids:
        deliver(message_id, now)
    return len(ids)
