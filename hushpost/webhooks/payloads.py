"""What a webhook says about an event: ids and states, never content.

`{"type": <event kind>, "timestamp": <when it happened>, "data": {...}}`.
`data` always has the ids an integrator uses to fetch what it may see through
the API (event, contact, message, delivery, link, appointment) and the
states (channel, status, reason); a few more short facts from the event's
detail are copied when the kind has them. Never message bodies, subjects,
PINs, link tokens, phone numbers or email addresses: the detail is read
through an allowlist, and a reason (a provider's words may quote the
address) has addresses and numbers masked.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from hushpost.activity.models import Event, EventKind

TEST_TYPE = "webhook_test"

# Detail keys that hold ids, counts, names of fields or states — nothing a person wrote.
EXTRA_KEYS = (
    "attempt",
    "attempts",
    "code",
    "provider",
    "opted_out",
    "outcome",
    "previous",
    "outside_secure_page",
    "attachment",
    "auto_message",
    "to_user",
    "section",
    "change",
    "endpoint",
    "fields",
    "confirmed_by",
    "action",
    "role",
    "old_role",
    "new_role",
    "via",
    "created",
    "updated",
    "unchanged",
    "rejected",
    "rows",
    "import_id",
    "older_than_days",
    "messages",
    "links",
)
# A delivery's state right after each of these.
KIND_STATUS: dict[str, str] = {
    EventKind.QUEUED: "queued",
    EventKind.SENT: "sent",
    EventKind.DELIVERED: "delivered",
    EventKind.FAILED: "failed",
    EventKind.HELD: "held",
    EventKind.APPOINTMENT_CANCELLED: "cancelled",
    EventKind.APPOINTMENT_CONFIRMED: "confirmed",
    EventKind.APPOINTMENT_CANCEL_REQUESTED: "cancel_requested",
}
_EMAIL = re.compile(r"[^\s<>()\[\]@,;:\"']+@[^\s<>()\[\]@,;:\"']+")
_NUMBER = re.compile(r"\+?\(?\d[\d\s().-]{5,}\d")
# Fewer digits than any phone number: codes such as SMTP's "550 5.1.1" stay readable.
PHONE_DIGITS = 7


def _mask_number(match: re.Match) -> str:
    text = match.group(0)
    return "[number]" if sum(ch.isdigit() for ch in text) >= PHONE_DIGITS else text


def mask(text: str) -> str:
    """The text with email addresses and phone-like numbers replaced."""
    return _NUMBER.sub(_mask_number, _EMAIL.sub("[email]", text))


def _id(value: Any) -> str | None:
    return None if value in (None, "") else str(value)


def timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def event_payload(event: Event, organization_slug: str) -> dict[str, Any]:
    detail = event.detail or {}
    reason = detail.get("reason")
    data: dict[str, Any] = {
        "event_id": event.pk,
        "organization": organization_slug,
        "contact_id": _id(event.contact_id) or _id(detail.get("contact_id")),
        "message_id": _id(event.message_id),
        "delivery_id": _id(event.delivery_id),
        "link_id": _id(event.link_id),
        "appointment_id": _id(detail.get("appointment_id")),
        "channel": detail.get("channel") or None,
        "status": detail.get("status") or KIND_STATUS.get(event.kind),
        "reason": mask(str(reason)) if reason else None,
    }
    for key in EXTRA_KEYS:
        if key in detail:
            value = detail[key]
            data[key] = mask(value) if isinstance(value, str) else value
    return {"type": event.kind, "timestamp": timestamp(event.created_at), "data": data}


def ping_payload(endpoint_id, organization_slug: str, now: datetime) -> dict[str, Any]:
    return {
        "type": TEST_TYPE,
        "timestamp": timestamp(now),
        "data": {
            "event_id": None,
            "organization": organization_slug,
            "endpoint_id": str(endpoint_id),
        },
    }
