"""Sends to many recipients: accepted at once, fanned out in the background in batches.

`queue_send` checks the send as a whole (as compose does), stores who it is
for (ids, in order) and what to send them (encrypted) on the Send, and
enqueues the fan-out task on commit. The worker claims the send with a
conditional UPDATE and makes each batch's messages, links and deliveries
with the pipeline an inline send uses (compose.make_batch: same holds, same
opt-outs, same events, one INSERT per table), a batch per transaction. Each batch first re-checks
the heartbeat this worker last wrote and ends by moving `fanned_out` on, so
after a crash recipients [0, fanned_out) are all done and the next worker
starts there; a recipient whose delivery key already exists is skipped, so
nothing is sent twice. The scheduler queues again a send whose worker went
quiet (as it does for imports).
"""

from __future__ import annotations

import base64
import datetime
import logging
from functools import partial

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from hushpost.accounts.models import Organization
from hushpost.delivery.models import Delivery
from hushpost.heartbeat_jobs import HeartbeatJobs
from hushpost.messaging import audience as audiences
from hushpost.messaging.audience import Audience
from hushpost.messaging.compose import (
    ComposeError,
    Content,
    Job,
    NewAttachment,
    RequestKey,
    check_compose,
    is_bulk,
    make_batch,
    new_send,
    send_message,
)
from hushpost.messaging.models import FanOut, Origin, SecureMessagingSettings, Send
from hushpost.messaging.template_fields import OrganizationSender, custom_keys

logger = logging.getLogger(__name__)

# Sends to this many recipients or fewer are made inside the request (and answer
# with every delivery); larger ones are fanned out in the background.
INLINE_LIMIT = 100
BATCH_SIZE = 500
# A batch takes a few seconds at most; a heartbeat this old means the worker died.
STALE_AFTER = datetime.timedelta(minutes=2)


class ClaimLost(Exception):
    """Another worker took this send over; this one must stop without writing."""


def queue_send(
    organization: Organization,
    audience: Audience,
    *,
    channel: str,
    secure: bool,
    body: str,
    subject: str = "",
    pin: str = "",
    attachments: list[NewAttachment] | None = None,
    sender=None,
    actor_label: str = "",
    origin: str = Origin.COMPOSE,
    request_key: RequestKey | None = None,
    notify_when_viewed: bool = False,
) -> Send:
    """Accept a send to `audience` and leave the fan-out to a worker; raises
    ComposeError when the send as a whole is refused."""
    attachments = list(attachments or [])
    problems = check_compose(
        organization,
        channel=channel,
        secure=secure,
        body=body,
        subject=subject,
        attachments=attachments,
        recipients=len(audience),
        extra_fields=audiences.extra_fields_of(audience.kind),
    )
    if problems:
        raise ComposeError(problems)
    author = sender if getattr(sender, "pk", None) else None
    with transaction.atomic():
        send = new_send(
            organization,
            author=author,
            actor_label=actor_label or getattr(author, "email", "") or "system",
            origin=origin,
            channel=channel,
            secure=secure,
            recipients=len(audience),
            request_key=request_key,
            fan_out=FanOut.QUEUED,
            heartbeat_at=timezone.now(),
            recipient_ids={audience.kind: audience.ids},
            content={
                "body": body,
                "subject": subject,
                "pin": pin,
                "notify_when_viewed": notify_when_viewed and secure and author is not None,
                "attachments": [
                    {
                        "file_name": item.file_name,
                        "content_type": item.content_type,
                        "data": base64.b64encode(item.data).decode("ascii"),
                    }
                    for item in attachments
                ],
            },
        )
        transaction.on_commit(partial(_enqueue, send.pk))
    return send


def send_to_group(organization: Organization, audience: Audience, **send) -> Send:
    """A send to `audience`: made at once when it is small (as compose always did), else
    accepted and left to a worker. Takes queue_send's arguments."""
    if len(audience) > INLINE_LIMIT:
        return queue_send(organization, audience, **send)
    return send_message(
        organization,
        recipients=audiences.load(organization, audience.kind, audience.ids),
        extra_fields=audiences.extra_fields_of(audience.kind),
        **send,
    ).send


def _enqueue(send_id) -> None:
    from hushpost.messaging.tasks import fan_out_task

    fan_out_task.enqueue(str(send_id))


JOBS = HeartbeatJobs(Send, "fan_out", FanOut.QUEUED, FanOut.RUNNING, _enqueue, STALE_AFTER)
claim = JOBS.claim
resume_stale_fan_outs = JOBS.resume_stale


def run_fan_out(send_id, *, batch_size: int = BATCH_SIZE) -> None:
    heartbeat = claim(send_id)
    if heartbeat is None:
        logger.info("send %s: not claimable for fan-out (done, running elsewhere or gone)", send_id)
        return
    try:
        _FanOut(
            Send.objects.select_related("organization", "created_by").get(pk=send_id), heartbeat
        ).run(batch_size)
    except ClaimLost:
        logger.warning("send %s: fan-out taken over by another worker; stopping", send_id)


class _FanOut:
    def __init__(self, send: Send, heartbeat: datetime.datetime):
        self.send = send
        self.heartbeat = heartbeat
        organization = send.organization
        content = send.content
        self.kind, self.ids = next(iter(send.recipient_ids.items()))
        self.settings = SecureMessagingSettings.objects.for_org(organization)
        self.keys = custom_keys(organization)
        self.content = Content(
            body=content["body"],
            subject=content["subject"],
            pin=content["pin"],
            attachments=[
                NewAttachment(
                    item["file_name"], item["content_type"], base64.b64decode(item["data"])
                )
                for item in content["attachments"]
            ],
            sender=send.created_by or OrganizationSender(organization),
            author=send.created_by,
            actor_label=send.actor_label or "system",
            bulk=is_bulk(send, send.recipients),
            notify_when_viewed=content.get("notify_when_viewed", False),
        )

    def _fence(self) -> QuerySet[Send]:
        """Go on only if this worker still holds the send (its heartbeat is unchanged);
        the send, to write to within the same transaction."""
        now = timezone.now()
        mine = Send.objects.filter(pk=self.send.pk)
        if not mine.filter(fan_out=FanOut.RUNNING, heartbeat_at=self.heartbeat).update(
            heartbeat_at=now
        ):
            raise ClaimLost
        self.heartbeat = now
        return mine

    def run(self, batch_size: int) -> None:
        position = self.send.fanned_out
        while position < len(self.ids):
            batch = self.ids[position : position + batch_size]
            position += len(batch)
            self.settle(batch, done=position)
        with transaction.atomic():
            # Who it was for and what it said now live in its messages and deliveries.
            self._fence().update(fan_out=FanOut.DONE, recipient_ids={}, content_encrypted="")

    def settle(self, ids: list[str], *, done: int) -> None:
        recipients = audiences.load(self.send.organization, self.kind, ids)
        with transaction.atomic():
            # First, so a second worker's claim waits on the row lock until this commits.
            self._fence()
            jobs = [Job(self.send, recipient, self.content) for recipient in recipients]
            made = set(
                Delivery.objects.filter(idempotency_key__in=[job.key for job in jobs]).values_list(
                    "idempotency_key", flat=True
                )
            )
            make_batch(
                [job for job in jobs if job.key not in made], settings=self.settings, keys=self.keys
            )
            self._fence().update(fanned_out=done)
