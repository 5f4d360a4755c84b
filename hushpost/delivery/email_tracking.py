"""An email service's tracking events (anymail's `tracking` signal) applied to our deliveries.

The service names its own message id, kept as the delivery's provider id
when it accepted the message. Like Twilio's callbacks (callbacks.py), events
come more than once and out of order, and a status only moves forward —
with one difference for email: a bounce may come after "delivered" (the
receiving server took the message, then sent it back), so failed ranks
above delivered and a late "delivered" never undoes a bounce.

Hard bounces, spam complaints and unsubscribes at the service opt the
contact out of email; a soft bounce (a full mailbox) fails this delivery
only. Unknown message ids are logged and ignored: the webhook still
answers 200, or the service would retry it forever.
"""

from __future__ import annotations

import logging

from anymail.signals import AnymailTrackingEvent, EventType
from django.db import models, transaction
from django.utils import timezone

from hushpost.activity.log import record
from hushpost.activity.models import Event, EventKind
from hushpost.delivery.lifecycle import Move, apply
from hushpost.delivery.models import Channel, Delivery
from hushpost.delivery.opt_out import opt_out_of_email
from hushpost.delivery.tracking import note_open

logger = logging.getLogger(__name__)

# Postmark names each bounce; only these say the address itself is gone.
POSTMARK_HARD = frozenset({"HardBounce", "BadEmailAddress"})
MAX_REASON = 300


def apply_email_event(event: AnymailTrackingEvent, esp_name: str) -> bool:
    """Apply one tracking event; True when it changed anything."""
    handler = HANDLERS.get(event.event_type)
    if handler is None or not event.message_id:
        return False
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(no_key=True, of=("self",))
            .select_related("organization", "contact", "message", "link")
            .filter(provider_id=str(event.message_id), channel=Channel.EMAIL)
            .first()
        )
        if delivery is None:
            logger.info(
                "%s %s event for an unknown message %s: ignored",
                esp_name,
                event.event_type,
                event.message_id,
            )
            return False
        return handler(delivery, event, esp_name.lower())


def on_tracking(sender, event: AnymailTrackingEvent, esp_name: str, **kwargs) -> None:
    """Receiver of anymail's tracking signal (connected in apps.py)."""
    apply_email_event(event, esp_name)


def _event(delivery: Delivery, kind: EventKind, esp: str, **detail) -> None:
    record(
        delivery.organization,
        kind,
        contact=delivery.contact,
        message=delivery.message,
        link=delivery.link,
        delivery=delivery,
        actor_label=esp,
        channel=delivery.channel,
        **detail,
    )


def _delivered(delivery: Delivery, event: AnymailTrackingEvent, esp: str) -> bool:
    return apply(
        delivery,
        Move.EMAIL_DELIVERED,
        actor_label=esp,
        detail={"provider_status": "delivered"},
        provider_status="delivered",
        delivered_at=timezone.now(),
    )


class Bounce(models.TextChoices):
    HARD = "hard", "The address itself won't take email"
    SOFT = "soft", "This message didn't get through (a full mailbox, a busy server)"


def bounce_kind(event: AnymailTrackingEvent) -> Bounce:
    raw = event.esp_event if isinstance(event.esp_event, dict) else {}
    if "RecordType" in raw and "Type" in raw:
        return Bounce.HARD if raw["Type"] in POSTMARK_HARD else Bounce.SOFT
    if event.event_type == EventType.FAILED:
        return Bounce.SOFT
    return Bounce.HARD if event.reject_reason in ("bounced", "invalid") else Bounce.SOFT


def readable_reason(event: AnymailTrackingEvent, esp: str, kind: Bounce) -> str:
    said = " ".join(str(event.description or event.mta_response or "").split())
    if event.event_type == EventType.BOUNCED:
        text = f"the email bounced ({kind.value})"
    elif event.event_type == EventType.REJECTED:
        text = f"{esp} would not send it ({event.reject_reason or 'rejected'})"
    else:
        text = f"{esp} could not send it"
    return f"{text}: {said}"[:MAX_REASON] if said else text


def _failed(delivery: Delivery, event: AnymailTrackingEvent, esp: str) -> bool:
    kind = bounce_kind(event)
    bounced = event.event_type == EventType.BOUNCED
    reason = readable_reason(event, esp, kind)
    opts_out = kind == Bounce.HARD and not delivery.contact.email_opt_out
    detail = {
        "reason": reason,
        "bounce": kind.value,
        "provider_status": str(event.event_type),
        "opted_out": opts_out,
    }
    moved = apply(
        delivery,
        Move.EMAIL_BOUNCED if bounced else Move.EMAIL_FAILED,
        actor_label=esp,
        detail=detail,
        provider_status=str(event.event_type)[:40],
        reason=reason,
        error_code=f"{kind.value}_bounce" if bounced else str(event.event_type)[:20],
        failed_at=timezone.now(),
    )
    if not moved and opts_out:
        # A hard bounce after a soft one for the same message: the status stays
        # failed, but the bounce that opts the contact out is still logged.
        _event(
            delivery,
            EventKind.EMAIL_BOUNCED if bounced else EventKind.FAILED,
            esp,
            **detail,
        )
    if kind == Bounce.HARD:
        opt_out_of_email(
            delivery.contact, reason=f"{kind.value}_bounce", delivery=delivery, actor_label=esp
        )
    return moved or opts_out


def _complained(delivery: Delivery, event: AnymailTrackingEvent, esp: str) -> bool:
    if Event.objects.filter(delivery=delivery, kind=EventKind.EMAIL_COMPLAINED).exists():
        return False
    _event(delivery, EventKind.EMAIL_COMPLAINED, esp)
    opt_out_of_email(delivery.contact, reason="complained", delivery=delivery, actor_label=esp)
    return True


def _unsubscribed(delivery: Delivery, event: AnymailTrackingEvent, esp: str) -> bool:
    return opt_out_of_email(
        delivery.contact, reason="unsubscribed_at_service", delivery=delivery, actor_label=esp
    )


def _opened(delivery: Delivery, event: AnymailTrackingEvent, esp: str) -> bool:
    return note_open(delivery, actor_label=esp, via=esp)


HANDLERS = {
    EventType.DELIVERED: _delivered,
    EventType.BOUNCED: _failed,
    EventType.REJECTED: _failed,
    EventType.FAILED: _failed,
    EventType.COMPLAINED: _complained,
    EventType.UNSUBSCRIBED: _unsubscribed,
    EventType.OPENED: _opened,
}
