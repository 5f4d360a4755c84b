"""The worker's batches: many deliveries claimed at once, sent concurrently, recorded together.

The worker claims due deliveries from their table in one statement
(lifecycle.claim_due) and hands them to `start_claimed`. Each is checked for a
reason to hold it (why_held, read fresh, as for a single send), and the rest
go to the provider, each in its slot of its sender's rate limit when one is
set (rate_limit.py): text messages on up to HUSHPOST_WORKER_CONCURRENCY
threads, each thread with its own kept-alive connection to Twilio; channels
that touch the database or share a connection (email, voice, the outbox) one
after another on the worker's own thread — email over one SMTP connection
kept open across messages and batches (channels/email.py). `start` returns
while the texts are still on the wire, so the worker claims its next batch
and records its last meanwhile; `finish` waits for the answers and writes
the acceptances with one UPDATE and one INSERT of events per batch
(lifecycle.apply_many), each still fenced on its own attempt; failures go
through the same retry policy as a single send (send.record_failure), one by
one, as they are rare.

A worker killed mid-batch leaves its claimed deliveries `sending` with their
lease (up to two batches: one on the wire, one being recorded): the sweep
fails them as ambiguous once it lapses and reconciliation asks Twilio which
it got (docs/RELIABILITY.md), exactly as for a single send.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from hushpost.delivery import rate_limit
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


@dataclass
class Batch:
    """A started batch: each claimed delivery with its channel and the send's answer
    (a future while it is on a sending thread)."""

    sends: list[tuple[Delivery, BaseChannel, Future | Accepted | DeliveryError]] = field(
        default_factory=list
    )

    def __len__(self) -> int:
        return len(self.sends)

    @staticmethod
    def about(delivery: Delivery):
        """Log lines under the id of the request that queued it, with its own id."""
        return bound(request_id=delivery.request_id or None, delivery_id=str(delivery.pk))


class BatchSender:
    """One per worker process: its sending threads and its channels live as long as it does."""

    def __init__(self, concurrency: int | None = None):
        self.concurrency = max(1, concurrency or settings.HUSHPOST_WORKER_CONCURRENCY)
        self.pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="hushpost-send")
        self.channels: dict[str, BaseChannel] = {}
        self.warmed: set[str] = set()

    def close(self) -> None:
        self.pool.shutdown(wait=True)
        for channel in self.channels.values():
            channel.close()

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
        return self.finish(self.start(delivery_ids))

    def start(self, delivery_ids) -> Batch:
        """Claim these deliveries and put them on the wire (`start_claimed`)."""
        self.wait_for_room()
        return self.start_claimed(claim_batch(delivery_ids))

    def wait_for_room(self) -> None:
        """Before claiming: sleep while a rate-limited sender is booked far ahead."""
        rate_limit.wait_for_room()

    def start_claimed(self, claimed: list[Delivery]) -> Batch:
        """Hold the claimed deliveries that must not go and put the rest on the wire;
        returns at once for channels that send on the threads (the worker claims its
        next batch or records its last meanwhile), after the others have gone."""
        batch = Batch()
        ready: list[tuple[Delivery, BaseChannel, Outgoing]] = []
        for delivery in claimed:
            reason = why_held(delivery)
            if reason:
                with batch.about(delivery):
                    hold_claimed(delivery, reason)
                continue
            ready.append((delivery, self.channel(delivery.channel), outgoing_for(delivery)))
        batch.sends = self._send_all(ready)
        return batch

    def finish(self, batch: Batch) -> set[str]:
        """Wait for a started batch's answers and record them; the ids accepted."""
        outcomes = [
            (delivery, channel, outcome.result() if isinstance(outcome, Future) else outcome)
            for delivery, channel, outcome in batch.sends
        ]
        now = timezone.now()
        accepted: dict[Move, list] = {}
        for delivery, channel, outcome in outcomes:
            if isinstance(outcome, DeliveryError):
                with batch.about(delivery):
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
                    with batch.about(delivery):
                        logger.info("delivery %s: accepted by %s", delivery.pk, delivery.provider)
                    SEND_LATENCY.observe(max(0.0, (now - delivery.created_at).total_seconds()))
                else:
                    logger.warning(
                        "delivery %s: sent, but the claim was lost meanwhile", delivery.pk
                    )
            sent |= {str(pk) for pk in moved}
        return sent

    def _warm(self, kind: str) -> None:
        """Ready every sending thread's connection for this channel before slots are
        reserved, so the first paced messages don't miss their slots while a client
        is built (and then go out together)."""
        channel = self.channel(kind)
        if not channel.thread_safe or class_path(kind) in self.warmed:
            return
        barrier = threading.Barrier(self.concurrency)

        def warm() -> None:
            channel.warm()
            barrier.wait(timeout=30)  # holds each thread until all have taken one

        for future in [self.pool.submit(warm) for _ in range(self.concurrency)]:
            future.result()
        self.warmed.add(class_path(kind))

    def batch_limit(self) -> int:
        return rate_limit.batch_limit(settings.HUSHPOST_WORKER_BATCH)

    def _send_all(
        self, ready: list[tuple[Delivery, BaseChannel, Outgoing]]
    ) -> list[tuple[Delivery, BaseChannel, Future | Accepted | DeliveryError]]:
        # Each rate-limited sender's slots for this batch, reserved at once; message
        # i of a channel waits for slot i.
        for kind in {delivery.channel for delivery, _, _ in ready}:
            if rate_limit.rate_for(kind):
                self._warm(kind)
        slots = {
            kind: rate_limit.reserve(kind, sum(1 for d, _, _ in ready if d.channel == kind))
            for kind in {delivery.channel for delivery, _, _ in ready}
        }
        index: dict[str, int] = {}
        paced = []
        for delivery, channel, outgoing in ready:
            i = index[delivery.channel] = index.get(delivery.channel, -1) + 1
            paced.append((delivery, channel, outgoing, slots[delivery.channel], i))
        sends: list[tuple[Delivery, BaseChannel, Future | Accepted | DeliveryError]] = [
            (delivery, channel, self.pool.submit(_attempt, delivery, channel, outgoing, slot, i))
            for delivery, channel, outgoing, slot, i in paced
            if channel.thread_safe
        ]
        sends += [
            (delivery, channel, _attempt(delivery, channel, outgoing, slot, i))
            for delivery, channel, outgoing, slot, i in paced
            if not channel.thread_safe
        ]
        return sends


def _attempt(
    delivery: Delivery,
    channel: BaseChannel,
    outgoing: Outgoing,
    slots: rate_limit.Slots | None = None,
    index: int = 0,
) -> Accepted | DeliveryError:
    try:
        if slots is not None:
            slots.wait_for(index)
        return channel.send(outgoing)
    except DeliveryError as error:
        return error
    except Exception as error:
        logger.exception(
            "delivery %s: unexpected error in the %s channel", delivery.pk, channel.name
        )
        return unexpected(error)
