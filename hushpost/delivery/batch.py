"""The worker's batches: many deliveries claimed at once, sent concurrently, recorded together.

The worker hands `send_batch` the deliveries of the send tasks it took. They
are claimed in one statement (lifecycle.claim_batch), each is checked for a
reason to hold it (why_held, read fresh, as for a single send), and the rest
go to the provider: text messages on up to HUSHPOST_WORKER_CONCURRENCY
threads, each thread with its own kept-alive connection to Twilio; channels
that touch the database or share a connection (email, voice, the outbox) one
after another on the worker's own thread. Acceptances are written with one
UPDATE and one INSERT of events per batch (lifecycle.apply_many), each still
fenced on its own attempt; failures go through the same retry policy as a
single send (send.record_failure), one by one, as they are rare.

A worker killed mid-batch leaves its claimed deliveries `sending` with one
lease: the sweep fails them as ambiguous once it lapses and reconciliation
asks Twilio which it got (docs/RELIABILITY.md), exactly as for a single send.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from hushpost.delivery.channels import class_path
from hushpost.delivery.channels.base import Accepted, BaseChannel, DeliveryError, Outgoing
from hushpost.delivery.holds import why_held
from hushpost.delivery.lifecycle import Move, apply_many, claim_batch
from hushpost.delivery.models import Delivery
from hushpost.delivery.send import (
    hold_claimed,
    outgoing_for,
    record_failure,
    sent_fields,
    unexpected,
)
from hushpost.log_context import bound
from hushpost.metrics.counters import SEND_LATENCY

logger = logging.getLogger(__name__)


class BatchSender:
    """One per worker process: its sending threads and its channels live as long as it does."""

    def __init__(self, concurrency: int | None = None):
        self.concurrency = max(1, concurrency or settings.HUSHPOST_WORKER_CONCURRENCY)
        self.pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="hushpost-send")
        self.channels: dict[str, BaseChannel] = {}

    def close(self) -> None:
        self.pool.shutdown(wait=True)

    def channel(self, kind: str) -> BaseChannel:
        path = class_path(kind)
        channel = self.channels.get(path)
        if channel is None:
            channel = import_string(path)()
            channel.keep_alive = True
            self.channels[path] = channel
        return channel

    def send_batch(self, delivery_ids) -> set[str]:
        """Claim, send and record these deliveries; the ids (as text) the provider
        accepted come back."""
        ready: list[tuple[Delivery, BaseChannel, Outgoing]] = []
        for delivery in claim_batch(delivery_ids):
            reason = why_held(delivery)
            if reason:
                with bound(delivery_id=str(delivery.pk)):
                    hold_claimed(delivery, reason)
                continue
            ready.append((delivery, self.channel(delivery.channel), outgoing_for(delivery)))
        outcomes = self._send_all(ready)
        now = timezone.now()
        accepted: dict[Move, list] = {}
        for delivery, channel, outcome in outcomes:
            if isinstance(outcome, DeliveryError):
                with bound(delivery_id=str(delivery.pk)):
                    record_failure(delivery, channel, outcome)
                continue
            move, fields, detail = sent_fields(outcome, now)
            accepted.setdefault(move, []).append(
                (delivery, fields, {"attempt": delivery.attempts, **detail})
            )
        sent: set[str] = set()
        for move, items in accepted.items():
            moved = {delivery.pk for delivery in apply_many(move, items, now=now)}
            for delivery, _, _ in items:
                if delivery.pk in moved:
                    logger.info("delivery %s: accepted by %s", delivery.pk, delivery.provider)
                    SEND_LATENCY.observe(max(0.0, (now - delivery.created_at).total_seconds()))
                else:
                    logger.warning(
                        "delivery %s: sent, but the claim was lost meanwhile", delivery.pk
                    )
            sent |= {str(pk) for pk in moved}
        return sent

    def _send_all(
        self, ready: list[tuple[Delivery, BaseChannel, Outgoing]]
    ) -> list[tuple[Delivery, BaseChannel, Accepted | DeliveryError]]:
        futures = [
            (delivery, channel, self.pool.submit(_attempt, delivery, channel, outgoing))
            for delivery, channel, outgoing in ready
            if channel.thread_safe
        ]
        outcomes = [
            (delivery, channel, _attempt(delivery, channel, outgoing))
            for delivery, channel, outgoing in ready
            if not channel.thread_safe
        ]
        outcomes += [(delivery, channel, future.result()) for delivery, channel, future in futures]
        return outcomes


def _attempt(
    delivery: Delivery, channel: BaseChannel, outgoing: Outgoing
) -> Accepted | DeliveryError:
    try:
        return channel.send(outgoing)
    except DeliveryError as error:
        return error
    except Exception as error:
        logger.exception(
            "delivery %s: unexpected error in the %s channel", delivery.pk, channel.name
        )
        return unexpected(error)
