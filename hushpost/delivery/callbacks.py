"""Twilio's status callbacks: what became of a text or a call after Twilio took it.

Callbacks come more than once and out of order; a status only ever moves
forward (sent → delivered, or sent → failed), so a late "sent" after
"delivered" changes nothing, and a repeated callback is a no-op that still
answers 200.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from hushpost.delivery.channels.twilio_client import OPTED_OUT, READABLE
from hushpost.delivery.lifecycle import Move, apply
from hushpost.delivery.models import Channel, Delivery, DeliveryStatus, Provider
from hushpost.delivery.opt_out import opt_out_of_sms

logger = logging.getLogger(__name__)

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
# Each move only goes forward (lifecycle.TRANSITIONS says from where).
MOVES = {
    DeliveryStatus.SENT: Move.CALLBACK_SENT,
    DeliveryStatus.DELIVERED: Move.CALLBACK_DELIVERED,
    DeliveryStatus.FAILED: Move.CALLBACK_FAILED,
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
            Delivery.objects.select_for_update(no_key=True, of=("self",))
            .select_related("organization", "contact", "message", "link")
            .filter(provider_id=sid)
            .first()
        )
        if delivery is None:
            logger.info("twilio status for an unknown message %s: ignored", sid)
            return False
        fields: dict[str, Any] = {"provider_status": twilio_status}
        detail: dict[str, Any] = {"provider_status": twilio_status}
        opted_out = False
        if new_status == DeliveryStatus.DELIVERED:
            fields["delivered_at"] = timezone.now()
        elif new_status == DeliveryStatus.FAILED:
            reason = readable_reason(
                code, twilio_status, call="CallSid" in params and "MessageSid" not in params
            )
            fields.update(reason=reason, error_code=code, failed_at=timezone.now())
            detail.update(reason=reason, code=code)
            opted_out = code in OPTED_OUT and delivery.channel == Channel.SMS
            if opted_out:
                detail["opted_out"] = True
        moved = apply(
            delivery,
            MOVES[new_status],
            actor_label=Provider.TWILIO.value,
            detail=detail,
            **fields,
        )
        if moved and opted_out:
            opt_out_of_sms(
                delivery.contact,
                reason="carrier_opt_out",
                delivery=delivery,
                actor_label=Provider.TWILIO.value,
                code=code,
            )
    return moved
