"""Queue, hold and send deliveries. The rows are the queue.

`queue_delivery` and `hold_delivery` are what the layer above calls, inside
its own transaction. The send task (tasks.py) runs `send_delivery`, which
claims the row with one conditional UPDATE — queued and due → sending, with a
lease — so however many workers hold a task for it, one sends it. What the
provider said is then written back only if this worker still holds the claim.
"""

from __future__ import annotations

import datetime
import logging
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.contacts.phones import LANDLINE_REASON
from hushpost.delivery import retry_policy
from hushpost.delivery.channels import channel_for
from hushpost.delivery.channels.base import Accepted, BaseChannel, DeliveryError, Outgoing
from hushpost.delivery.models import Channel, Delivery, DeliveryStatus
from hushpost.delivery.opt_out import opt_out_of_email
from hushpost.delivery.unsubscribe import unsubscribe_url

logger = logging.getLogger(__name__)

# How long a claim lasts. It must outlast one provider call with all its
# timeouts (Twilio 15 s, SMTP a few round trips of SMTP_TIMEOUT_SECONDS);
# past it the sweep presumes the worker died.
LEASE = datetime.timedelta(minutes=5)
TWILIO_STATUS_PATH = "/webhooks/twilio/status"
TWILIO_VOICE_STATUS_PATH = "/webhooks/twilio/voice-status"
CALLBACK_PATHS = {Channel.SMS: TWILIO_STATUS_PATH, Channel.VOICE: TWILIO_VOICE_STATUS_PATH}


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
    delivery = Delivery(
        organization=organization,
        contact=contact,
        channel=channel,
        to=to,
        message=message,
        link=link,
        idempotency_key=idempotency_key,
        status=DeliveryStatus.QUEUED,
        next_attempt_at=timezone.now(),
        bulk=bulk,
    )
    delivery.subject = subject
    delivery.body = body
    created = _create(delivery)
    if created is not delivery:
        return created
    record(
        organization,
        EventKind.QUEUED,
        contact=contact,
        message=message,
        delivery=delivery,
        link=link,
        actor_label=actor_label,
        channel=channel,
    )
    # robust: the caller's commit stands even if enqueueing fails; the sweep
    # finds a queued delivery without a task.
    transaction.on_commit(partial(enqueue_send, delivery.pk), robust=True)
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
) -> Delivery:
    """A delivery that is never sent, with the reason staff will see."""
    existing = _existing(organization, idempotency_key)
    if existing is not None:
        return existing
    delivery = Delivery(
        organization=organization,
        contact=contact,
        channel=channel,
        to=to or "",
        message=message,
        link=link,
        idempotency_key=idempotency_key,
        status=DeliveryStatus.HELD,
        reason=reason,
    )
    created = _create(delivery)
    if created is not delivery:
        return created
    record(
        organization,
        EventKind.HELD,
        contact=contact,
        message=message,
        delivery=delivery,
        link=link,
        actor_label=actor_label,
        channel=channel,
        reason=reason,
    )
    return delivery


def _existing(organization, idempotency_key: str) -> Delivery | None:
    existing = Delivery.objects.filter(idempotency_key=idempotency_key).first()
    if existing is not None and existing.organization_id != organization.pk:
        # Keys are unique across the install; never hand out another organization's row.
        raise ValueError("this idempotency key belongs to another organization")
    return existing


def _create(delivery: Delivery) -> Delivery:
    try:
        with transaction.atomic():
            delivery.save(force_insert=True)
    except IntegrityError:
        # A concurrent request with the same key won the insert.
        return Delivery.objects.get(idempotency_key=delivery.idempotency_key)
    return delivery


def enqueue_send(delivery_id, run_after: datetime.datetime | None = None) -> None:
    from hushpost.delivery.tasks import send_delivery_task

    task = send_delivery_task.using(run_after=run_after) if run_after else send_delivery_task
    task.enqueue(str(delivery_id))


def claim(delivery_id, now: datetime.datetime | None = None) -> Delivery | None:
    """Take a queued, due delivery for this worker; None when it isn't ours to send."""
    now = now or timezone.now()
    taken = Delivery.objects.filter(
        pk=delivery_id, status=DeliveryStatus.QUEUED, next_attempt_at__lte=now
    ).update(
        status=DeliveryStatus.SENDING,
        lease_expires_at=now + LEASE,
        attempts=F("attempts") + 1,
        updated_at=now,
    )
    if not taken:
        return None
    return Delivery.objects.select_related("organization", "contact", "message", "link").get(
        pk=delivery_id
    )


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
        _hold(delivery, reason)
        return False
    channel = channel_for(delivery.channel)
    outgoing = Outgoing(
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
    )
    try:
        accepted = channel.send(outgoing)
    except DeliveryError as error:
        _failed(delivery, channel, error)
        return False
    except Exception as error:
        # A bug or a surprise inside a channel: whether anything went out is unknown.
        logger.exception(
            "delivery %s: unexpected error in the %s channel", delivery.pk, channel.name
        )
        _failed(
            delivery,
            channel,
            DeliveryError(
                f"unexpected error while sending ({type(error).__name__})",
                permanent=False,
                maybe_sent=True,
            ),
        )
        return False
    _sent(delivery, accepted)
    return True


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


# The same words whether revocation held it while queued or the worker found it at claim time.
LINK_REVOKED = "the secure link was revoked before it was sent"


def why_held(delivery: Delivery) -> str:
    """What changed since queuing that means this must not go out (read fresh at claim time)."""
    if delivery.link_id is not None and delivery.link.revoked_at is not None:
        return LINK_REVOKED
    contact = delivery.contact
    if delivery.channel == Channel.EMAIL:
        current, label, opted_out = contact.email, "email address", contact.email_opt_out
        same = current.lower() == delivery.to.lower()
    else:
        current, label, opted_out = (
            contact.phone,
            "phone number",
            contact.sms_opt_out and delivery.channel == Channel.SMS,
        )
        same = current == delivery.to
    if opted_out:
        return (
            "opted out of email"
            if delivery.channel == Channel.EMAIL
            else "opted out of text messages"
        )
    if delivery.channel == Channel.SMS and contact.phone_is_landline:
        return LANDLINE_REASON
    if not current:
        # The same words as messaging's check at queuing time.
        return (
            "no email address on file"
            if delivery.channel == Channel.EMAIL
            else "no mobile phone on file"
        )
    if not same:
        # The old address may belong to someone else now; a link must not go there.
        return f"the contact's {label} changed after this was queued; not sent to the old one"
    return ""


def _settle(delivery: Delivery, *, also_from: tuple[str, ...] = (), **fields) -> bool:
    """Write an outcome only while this worker's claim (status sending, same
    attempt) still stands."""
    return bool(
        Delivery.objects.filter(
            pk=delivery.pk,
            attempts=delivery.attempts,
            status__in=(DeliveryStatus.SENDING, *also_from),
        ).update(lease_expires_at=None, updated_at=timezone.now(), **fields)
    )


def _event(delivery: Delivery, kind: EventKind, **detail) -> None:
    record(
        delivery.organization,
        kind,
        contact=delivery.contact,
        message=delivery.message,
        delivery=delivery,
        link=delivery.link,
        channel=delivery.channel,
        attempt=delivery.attempts,
        **detail,
    )


def _hold(delivery: Delivery, reason: str) -> None:
    if _settle(delivery, status=DeliveryStatus.HELD, reason=reason):
        _event(delivery, EventKind.HELD, reason=reason)


def _sent(delivery: Delivery, accepted: Accepted) -> None:
    now = timezone.now()
    fields = {
        "status": DeliveryStatus.SENT,
        "provider": accepted.provider,
        "provider_id": accepted.provider_id,
        "sent_at": now,
        "reason": "",
        "error_code": "",
    }
    if accepted.delivered:
        fields.update(status=DeliveryStatus.DELIVERED, delivered_at=now)
    # Also over a sweep's "ambiguous" verdict: the provider has just said it took it.
    if not _settle(delivery, also_from=(DeliveryStatus.FAILED,), **fields):
        logger.warning("delivery %s: sent, but the claim was lost meanwhile", delivery.pk)
        return
    _event(delivery, EventKind.SENT, provider=accepted.provider, provider_id=accepted.provider_id)
    if accepted.delivered:
        _event(delivery, EventKind.DELIVERED, provider=accepted.provider)


def _failed(delivery: Delivery, channel: BaseChannel, error: DeliveryError) -> None:
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
    log = [*delivery.attempt_log, row]
    if decision.step is retry_policy.Step.RETRY:
        logger.info(
            "delivery %s: attempt %d failed (%s); retry at %s",
            delivery.pk,
            delivery.attempts,
            error.reason,
            decision.retry_at,
        )
        with transaction.atomic():
            if _settle(
                delivery,
                status=DeliveryStatus.QUEUED,
                next_attempt_at=decision.retry_at,
                attempt_log=log,
                reason=error.reason,
                error_code=error.code,
            ):
                transaction.on_commit(
                    partial(enqueue_send, delivery.pk, decision.retry_at), robust=True
                )
        return
    if decision.step is retry_policy.Step.AMBIGUOUS:
        reason, code = retry_policy.AMBIGUOUS_REASON, retry_policy.AMBIGUOUS_CODE
    elif error.permanent:
        reason, code = error.reason, error.code
    else:
        reason, code = f"gave up after {delivery.attempts} attempts: {error.reason}", error.code
    logger.warning("delivery %s failed: %s (%s)", delivery.pk, reason, error.reason)
    if not _settle(
        delivery,
        status=DeliveryStatus.FAILED,
        reason=reason,
        error_code=code,
        failed_at=now,
        attempt_log=log,
    ):
        return
    opted_out = bool(error.permanent and error.code in channel.opt_out_codes)
    if opted_out and delivery.channel != Channel.EMAIL:
        # The carrier says the contact opted out (a STOP reply): remember it
        # so nothing else is sent.
        type(delivery.contact).objects.filter(pk=delivery.contact_id).update(sms_opt_out=True)
    _event(delivery, EventKind.FAILED, reason=reason, code=code, opted_out=opted_out)
    if opted_out and delivery.channel == Channel.EMAIL:
        # The email service suppressed the address after a hard bounce or complaint: logged
        # like every email opt-out.
        opt_out_of_email(
            delivery.contact,
            reason="suppressed_by_service",
            delivery=delivery,
            actor_label=channel.name,
        )
