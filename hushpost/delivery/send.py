"""Queue, hold and send deliveries. The rows are the queue.

`queue_delivery` and `hold_delivery` are what the layer above calls, inside
its own transaction; a queued row is due at its `next_attempt_at` and the
worker claims due rows in batches (lifecycle.claim_due, batch.py).
`send_delivery` is the same claim, send and record for one delivery in the
caller's process: it claims the row with one conditional UPDATE — queued and
due → sending, with a lease — so however many callers try, one sends it. What
the provider said is then written back only if this caller still holds the
claim (the same attempt, still sending). Every status change goes through
lifecycle.py, which owns them.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from hushpost.delivery import retry_policy
from hushpost.delivery.channels import channel_for
from hushpost.delivery.channels.base import Accepted, BaseChannel, DeliveryError, Outgoing
from hushpost.delivery.holds import why_held
from hushpost.delivery.lifecycle import Move, apply, claim, insert, insert_many
from hushpost.delivery.models import Channel, Delivery
from hushpost.delivery.opt_out import opt_out_of_email, opt_out_of_sms
from hushpost.delivery.unsubscribe import unsubscribe_url
from hushpost.metrics.counters import SEND_LATENCY

logger = logging.getLogger(__name__)

TWILIO_STATUS_PATH = "/webhooks/twilio/status"
TWILIO_VOICE_STATUS_PATH = "/webhooks/twilio/voice-status"
CALLBACK_PATHS: dict[str, str] = {
    Channel.SMS: TWILIO_STATUS_PATH,
    Channel.VOICE: TWILIO_VOICE_STATUS_PATH,
}


def queue_delivery(
    *,
    organization,
    contact,
    channel,
    to,
    subject,
    body,
    idempotency_key,
    message=None,
    link=None,
    actor_label="system",
    bulk=False,
    send=None,
) -> Delivery:
    """A queued delivery of `subject`/`body` (exactly what goes to the
    provider), sent after the caller commits.

    The same idempotency key twice gives back the first delivery, unchanged.
    `bulk` marks non-secure automated or many-recipient email: it carries
    List-Unsubscribe headers (a secure notification never does).
    """
    existing = _existing(organization, idempotency_key)
    if existing is not None:
        return existing
    delivery = new_queued(
        organization=organization,
        contact=contact,
        channel=channel,
        to=to,
        subject=subject,
        body=body,
        idempotency_key=idempotency_key,
        message=message,
        link=link,
        bulk=bulk,
        send=send,
    )
    return insert(delivery, Move.QUEUE, actor_label=actor_label)


def new_queued(
    *,
    organization,
    contact,
    channel,
    to,
    subject,
    body,
    idempotency_key,
    message=None,
    link=None,
    bulk=False,
    send=None,
    due_at=None,
) -> Delivery:
    """`queue_delivery`'s row, not yet saved (see `insert_new`). `due_at`, when it fell
    due (an automated message), is its place in the queue; it is never later than now."""
    now = timezone.now()
    delivery = Delivery(
        organization=organization,
        contact=contact,
        channel=channel,
        to=to,
        message=message,
        link=link,
        idempotency_key=idempotency_key,
        next_attempt_at=min(due_at, now) if due_at else now,
        bulk=bulk,
        send=send,
    )
    delivery.subject = subject
    delivery.body = body
    return delivery


def hold_delivery(
    *,
    organization,
    contact,
    channel,
    to,
    reason,
    idempotency_key,
    message=None,
    link=None,
    actor_label="system",
    send=None,
) -> Delivery:
    """A delivery that is never sent, with the reason staff will see."""
    existing = _existing(organization, idempotency_key)
    if existing is not None:
        return existing
    delivery = new_held(
        organization=organization,
        contact=contact,
        channel=channel,
        to=to,
        reason=reason,
        idempotency_key=idempotency_key,
        message=message,
        link=link,
        send=send,
    )
    return insert(delivery, Move.HOLD, actor_label=actor_label, detail={"reason": reason})


def new_held(
    *,
    organization,
    contact,
    channel,
    to,
    reason,
    idempotency_key,
    message=None,
    link=None,
    send=None,
) -> Delivery:
    """`hold_delivery`'s row, not yet saved (see `insert_new`)."""
    return Delivery(
        organization=organization,
        contact=contact,
        channel=channel,
        to=to or "",
        message=message,
        link=link,
        idempotency_key=idempotency_key,
        reason=reason,
        send=send,
    )


def insert_new(deliveries: list[Delivery], *, actor_label: str = "system") -> list[Delivery]:
    """Save many rows made by `new_queued` / `new_held` at once, queued or held as made
    (a held one has its reason), with their events; inside the caller's transaction.

    Unlike `queue_delivery`, the keys must be new: the caller has checked them under the
    lock that makes it the only one writing them, and a clash rolls its batch back.
    """
    return insert_many(
        [
            (delivery, Move.HOLD, {"reason": delivery.reason})
            if delivery.reason
            else (delivery, Move.QUEUE, {})
            for delivery in deliveries
        ],
        actor_label=actor_label,
    )


def _existing(organization, idempotency_key: str) -> Delivery | None:
    existing = Delivery.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None and existing.organization_id != organization.pk:
        # Keys are unique across the install; never hand out another organization's row.
        raise ValueError("this idempotency key belongs to another organization")
    return existing


def ask_for_keypress(delivery_id) -> None:
    """A queued voice call that asks the contact to press 1 or 2 (an appointment
    confirmation); set before the commit that lets a worker send it."""
    Delivery.objects.filter(pk=delivery_id).update(ask_keypress=True)


def send_delivery(delivery_id) -> bool:
    """Claim and send one delivery; True when the provider accepted it on this call."""
    delivery = claim(delivery_id)
    if delivery is None:
        logger.info(
            "delivery %s: not claimable (sent, sending elsewhere, not due or gone)", delivery_id
        )
        return False
    reason = why_held(delivery)
    if reason:
        hold_claimed(delivery, reason)
        return False
    channel = channel_for(delivery.channel)
    outgoing = outgoing_for(delivery)
    try:
        accepted = channel.send(outgoing)
    except DeliveryError as error:
        record_failure(delivery, channel, error)
        return False
    except Exception as error:
        logger.exception(
            "delivery %s: unexpected error in the %s channel", delivery.pk, channel.name
        )
        record_failure(delivery, channel, unexpected(error))
        return False
    _sent(delivery, accepted)
    return True


def outgoing_for(delivery: Delivery) -> Outgoing:
    """What goes to the provider for a claimed delivery (decrypted here)."""
    return Outgoing(
        delivery_id=str(delivery.pk),
        organization_id=delivery.organization_id,
        channel=delivery.channel,
        to=delivery.to,
        subject=delivery.subject,
        body=delivery.body,
        status_callback_url=f"{settings.BASE_URL}{CALLBACK_PATHS[delivery.channel]}"
        if delivery.channel in CALLBACK_PATHS
        else "",
        attachments=attachments_of(delivery),
        unsubscribe_url=unsubscribe_url(delivery.contact_id, delivery.to)
        if delivery.bulk and delivery.channel == Channel.EMAIL
        else "",
        gather_url=f"{settings.BASE_URL}{reverse('twilio_voice_gather')}"
        if delivery.ask_keypress and delivery.channel == Channel.VOICE
        else "",
        language=delivery.contact.language or "en",
    )


def unexpected(error: Exception) -> DeliveryError:
    """A bug or a surprise inside a channel: whether anything went out is unknown."""
    return DeliveryError(
        f"unexpected error while sending ({type(error).__name__})",
        permanent=False,
        maybe_sent=True,
    )


def sent_fields(accepted: Accepted, now) -> tuple[Move, dict, dict]:
    """The move, the fields and the event detail that record the provider's acceptance."""
    fields = {
        "provider": accepted.provider,
        "provider_id": accepted.provider_id,
        "sent_at": now,
        "reason": "",
        "error_code": "",
    }
    return Move.ACCEPT, fields, {"provider": accepted.provider, "provider_id": accepted.provider_id}


def attachments_of(delivery: Delivery) -> tuple[tuple[str, str, bytes], ...]:
    """The files of a plain (non-secure) email. A delivery with a link is a secure
    notification: its message's files stay on the server, behind the link."""
    if (
        delivery.channel != Channel.EMAIL
        or delivery.link_id is not None
        or delivery.message is None
    ):
        return ()
    return tuple(
        (item.file_name, item.content_type, item.data)
        for item in delivery.message.attachments.all()
    )


def _under_claim(delivery: Delivery, move: Move, **kwargs) -> bool:
    """Write an outcome only while this worker's claim (the same attempt) still stands;
    the move's sources say which statuses that claim may be found in."""
    return apply(
        delivery,
        move,
        fence={"attempts": delivery.attempts},
        detail={"attempt": delivery.attempts, **kwargs.pop("detail", {})},
        **kwargs,
    )


def hold_claimed(delivery: Delivery, reason: str) -> None:
    """Hold back a delivery this worker claimed (why_held said why)."""
    _under_claim(delivery, Move.HOLD_AT_CLAIM, reason=reason, detail={"reason": reason})


def _sent(delivery: Delivery, accepted: Accepted) -> None:
    now = timezone.now()
    move, fields, detail = sent_fields(accepted, now)
    if not _under_claim(delivery, move, now=now, detail=detail, **fields):
        logger.warning("delivery %s: sent, but the claim was lost meanwhile", delivery.pk)
        return
    logger.info("delivery %s: accepted by %s", delivery.pk, accepted.provider)
    SEND_LATENCY.observe(max(0.0, (now - delivery.created_at).total_seconds()))


def record_failure(delivery: Delivery, channel: BaseChannel, error: DeliveryError) -> None:
    """What a failed attempt means (retry later, ambiguous, failed), under the claim."""
    now = timezone.now()
    decision = retry_policy.decide(
        attempts=delivery.attempts,
        max_attempts=settings.HUSHPOST_DELIVERY_MAX_ATTEMPTS,
        permanent=error.permanent,
        maybe_sent=error.maybe_sent,
        retry_after=error.retry_after,
        now=now,
    )
    row = {
        "at": now.isoformat(),
        "attempt": delivery.attempts,
        "error": error.reason,
        "retry_at": decision.retry_at.isoformat() if decision.retry_at else None,
    }
    if decision.step is retry_policy.Step.RETRY:
        logger.info(
            "delivery %s: attempt %d failed (%s); retry at %s",
            delivery.pk,
            delivery.attempts,
            error.reason,
            decision.retry_at,
        )
        _under_claim(
            delivery,
            Move.RETRY_LATER,
            now=now,
            log=row,
            next_attempt_at=decision.retry_at,
            reason=error.reason,
            error_code=error.code,
        )
        return
    if decision.step is retry_policy.Step.AMBIGUOUS:
        reason, code = retry_policy.AMBIGUOUS_REASON, retry_policy.AMBIGUOUS_CODE
    elif error.permanent:
        reason, code = error.reason, error.code
    else:
        reason, code = f"gave up after {delivery.attempts} attempts: {error.reason}", error.code
    logger.warning("delivery %s failed: %s (%s)", delivery.pk, reason, error.reason)
    # The carrier says the contact opted out (a STOP reply), or the email service
    # suppressed the address after a hard bounce or complaint: nothing else goes there.
    opted_out = bool(error.permanent and error.code in channel.opt_out_codes)
    with transaction.atomic():
        if not _under_claim(
            delivery,
            Move.FAIL,
            now=now,
            log=row,
            reason=reason,
            error_code=code,
            failed_at=now,
            detail={"reason": reason, "code": code, "opted_out": opted_out},
        ):
            return
        if opted_out and delivery.channel == Channel.EMAIL:
            opt_out_of_email(
                delivery.contact,
                reason="suppressed_by_service",
                delivery=delivery,
                actor_label=channel.name,
            )
        elif opted_out:
            opt_out_of_sms(
                delivery.contact,
                reason="carrier_opt_out",
                delivery=delivery,
                actor_label=channel.name,
                code=code,
            )
