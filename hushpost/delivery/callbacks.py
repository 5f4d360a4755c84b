"""Twilio's status callbacks: what became of a text or a call after Twilio took it.

Callbacks come more than once and out of order; a status only ever moves
forward (sent → delivered, or sent → failed), so a late "sent" after
"delivered" changes nothing, and a repeated callback is a no-op that still
answers 200.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.delivery.channels.twilio_client import OPTED_OUT, READABLE
from hushpost.delivery.models import Channel, Delivery, DeliveryStatus

logger = logging.getLogger(__name__)

# How far along each of our statuses is; a callback may only move a delivery up.
RANK = {
    DeliveryStatus.QUEUED: 0,
    DeliveryStatus.SENDING: 1,
    DeliveryStatus.SENT: 2,
    DeliveryStatus.DELIVERED: 3,
    DeliveryStatus.FAILED: 3,
    DeliveryStatus.HELD: 3,
}
# Twilio's MessageStatus / CallStatus → ours. Statuses before "sent" say nothing new.
TWILIO_STATUS = {
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.DELIVERED,
    "undelivered": DeliveryStatus.FAILED,
    "failed": DeliveryStatus.FAILED,
    # Calls: answered and played through, or never answered.
    "completed": DeliveryStatus.DELIVERED,
    "busy": DeliveryStatus.FAILED,
    "no-answer": DeliveryStatus.FAILED,
    "canceled": DeliveryStatus.FAILED,
}
CALL_READABLE = {
    "busy": "the line was busy",
    "no-answer": "nobody answered the call",
    "canceled": "the call was canceled before it was answered",
    "failed": "the call could not be placed",
}
CALLBACK_READABLE = READABLE | {
    "30003": "the phone is switched off or out of reach",
    "30004": "the recipient blocked messages from this number",
    "30005": "the number does not exist",
    "30006": "the number is a landline or cannot receive texts",
    "30008": "the carrier did not deliver it and gave no reason",
}


def readable_reason(code: str, twilio_status: str, *, call: bool = False) -> str:
    fallback = CALL_READABLE.get(twilio_status) if call else None
    text = CALLBACK_READABLE.get(code) or fallback or f"the carrier reported it {twilio_status}"
    return f"{text} (Twilio error {code})" if code else text


def apply_twilio_status(params: dict[str, str]) -> bool:
    """Apply one callback; True when it moved a delivery forward."""
    sid = params.get("MessageSid") or params.get("CallSid") or ""
    twilio_status = (params.get("MessageStatus") or params.get("CallStatus") or "").lower()
    new_status = TWILIO_STATUS.get(twilio_status)
    if not sid or new_status is None:
        return False
    code = params.get("ErrorCode") or ""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update(of=("self",))
            .select_related("organization", "contact", "message", "link")
            .filter(provider_id=sid)
            .first()
        )
        if delivery is None:
            logger.info("twilio status for an unknown message %s: ignored", sid)
            return False
        if RANK[new_status] <= RANK[DeliveryStatus(delivery.status)]:
            return False
        now = timezone.now()
        delivery.status = new_status
        delivery.provider_status = twilio_status
        fields = ["status", "provider_status", "updated_at"]
        if new_status == DeliveryStatus.DELIVERED:
            delivery.delivered_at = now
            fields.append("delivered_at")
            kind, detail = EventKind.DELIVERED, {}
        elif new_status == DeliveryStatus.FAILED:
            delivery.reason = readable_reason(
                code, twilio_status, call="CallSid" in params and "MessageSid" not in params
            )
            delivery.error_code = code
            delivery.failed_at = now
            fields += ["reason", "error_code", "failed_at"]
            kind, detail = EventKind.FAILED, {"reason": delivery.reason, "code": code}
            if code in OPTED_OUT and delivery.channel == Channel.SMS:
                type(delivery.contact).objects.filter(pk=delivery.contact_id).update(
                    sms_opt_out=True
                )
                detail["opted_out"] = True
        else:
            kind, detail = EventKind.SENT, {}
        delivery.save(update_fields=fields)
        record(
            delivery.organization,
            kind,
            contact=delivery.contact,
            message=delivery.message,
            link=delivery.link,
            delivery=delivery,
            actor_label="twilio",
            channel=delivery.channel,
            provider_status=twilio_status,
            **detail,
        )
    return True
