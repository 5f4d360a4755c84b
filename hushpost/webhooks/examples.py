"""An example payload of every event kind, made by the real payload code.

The OpenAPI document's `webhooks` section and docs/API.md show these. Each
example is an unsaved Event with what the code that records that kind
stores (the ids it ties and its detail) run through `event_payload`, so an
example can't drift from what is sent. A kind added later without an entry
here still gets an example (its ids), so every kind is always documented.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from hushpost.activity.models import Event, EventKind
from hushpost.webhooks.payloads import TEST_TYPE, event_payload, ping_payload

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

ORGANIZATION = "riverside"
CONTACT = "354c3421-b40f-41ec-ad08-b6f6257ecb9f"
MESSAGE = "7a22205d-5d6e-4c55-9a8e-0e2d3a1c9b10"
DELIVERY = "e03311ff-1357-472d-8863-2fc54ff08ef1"
LINK = "0b7e41d2-8f3c-4a5e-b1d2-6c7d8e9f0a1b"
APPOINTMENT = "5a0d1b2e-3d5e-4b53-a9a4-2b7f9a9f0c11"
WHEN = datetime(2031, 3, 4, 14, 30, 5, 120000, tzinfo=UTC)

# Which ids each kind of event is tied to.
_DELIVERY_IDS = ("contact", "message", "delivery", "link")
_LINK_IDS = ("contact", "message", "link")
TIES: dict[str, tuple[str, ...]] = {
    EventKind.QUEUED: _DELIVERY_IDS,
    EventKind.SENT: _DELIVERY_IDS,
    EventKind.DELIVERED: _DELIVERY_IDS,
    EventKind.FAILED: _DELIVERY_IDS,
    EventKind.HELD: ("contact", "delivery"),
    EventKind.EMAIL_OPENED: _DELIVERY_IDS,
    EventKind.EMAIL_BOUNCED: _DELIVERY_IDS,
    EventKind.EMAIL_COMPLAINED: _DELIVERY_IDS,
    EventKind.DELIVERY_RECONCILED: _DELIVERY_IDS,
    EventKind.LINK_CLICKED: _LINK_IDS,
    EventKind.LINK_PREFETCHED: _LINK_IDS,
    EventKind.LINK_UNLOCKED: _LINK_IDS,
    EventKind.NEW_LINK_OTHER_CHANNEL: _LINK_IDS,
    EventKind.PIN_ENTERED: _LINK_IDS,
    EventKind.PIN_WRONG: _LINK_IDS,
    EventKind.LINK_LOCKED: _LINK_IDS,
    EventKind.EXPIRED_LINK_VISITED: _LINK_IDS,
    EventKind.NEW_LINK_REQUESTED: _LINK_IDS,
    EventKind.MESSAGE_VIEWED: _LINK_IDS,
    EventKind.REPLY_RECEIVED: _LINK_IDS,
    EventKind.LINK_REVOKED: ("contact", "link"),
    EventKind.STAFF_VIEWED_CONVERSATION: ("contact",),
    EventKind.CONVERSATION_ASSIGNED: ("contact",),
    EventKind.CONVERSATION_DONE: ("contact",),
    EventKind.CONVERSATION_REOPENED: ("contact",),
    EventKind.SENSITIVE_VALUE_REVEALED: ("contact",),
    EventKind.SMS_OPTED_OUT: ("contact",),
    EventKind.SMS_OPTED_IN: ("contact",),
    EventKind.EMAIL_OPTED_OUT: ("contact", "delivery"),
    EventKind.CONTACT_CREATED: ("contact",),
    EventKind.CONTACT_UPDATED: ("contact",),
    EventKind.APPOINTMENT_CREATED: ("contact",),
    EventKind.APPOINTMENT_UPDATED: ("contact",),
    EventKind.APPOINTMENT_CANCELLED: ("contact",),
    EventKind.APPOINTMENT_DELETED: ("contact",),
    EventKind.APPOINTMENT_CONFIRMED: ("contact",),
    EventKind.APPOINTMENT_CANCEL_REQUESTED: ("contact",),
}
# What the code that records each kind keeps in its detail.
DETAIL: dict[str, dict[str, Any]] = {
    EventKind.QUEUED: {"channel": "sms"},
    EventKind.SENT: {"channel": "sms", "attempt": 1, "provider": "twilio"},
    EventKind.DELIVERED: {"channel": "sms"},
    EventKind.FAILED: {
        "channel": "sms",
        "attempt": 1,
        "reason": "the number can't receive texts (a landline?)",
        "code": "30006",
        "opted_out": False,
    },
    EventKind.HELD: {"channel": "email", "reason": "opted out of email"},
    EventKind.EMAIL_OPENED: {"channel": "email"},
    EventKind.EMAIL_BOUNCED: {"channel": "email", "reason": "the mailbox does not exist"},
    EventKind.EMAIL_COMPLAINED: {"channel": "email"},
    EventKind.EMAIL_OPTED_OUT: {"reason": "unsubscribed"},
    EventKind.DELIVERY_RECONCILED: {"channel": "sms", "outcome": "found", "provider": "twilio"},
    EventKind.LINK_CLICKED: {"opened_at": "2031-03-04T14:29:41+00:00"},
    EventKind.LINK_PREFETCHED: {"reason": "scanner_user_agent"},
    EventKind.LINK_UNLOCKED: {"reason": "Identity checked by phone", "failed_pin_attempts": 5},
    EventKind.NEW_LINK_OTHER_CHANNEL: {"channel": "email", "previous_channel": "sms"},
    EventKind.PIN_WRONG: {"attempt": 2},
    EventKind.LINK_LOCKED: {"attempts": 5},
    EventKind.NEW_LINK_REQUESTED: {"channel": "sms", "previous": "expired"},
    EventKind.REPLY_RECEIVED: {"attachment": True},
    EventKind.STAFF_VIEWED_CONVERSATION: {},
    EventKind.CONVERSATION_ASSIGNED: {"to_user": 7},
    EventKind.SENSITIVE_VALUE_REVEALED: {"via": "contact page"},
    EventKind.CONTACT_UPDATED: {"fields": "phone, custom.patient_number"},
    EventKind.CONTACTS_IMPORTED: {"created": 120, "updated": 14, "rejected": 2},
    EventKind.SETTINGS_CHANGED: {"section": "secure messaging", "fields": "link_lifetime"},
    EventKind.FIELDS_CHANGED: {"change": "created"},
    EventKind.USER_CHANGED: {"action": "role_changed", "old_role": "member", "new_role": "admin"},
    EventKind.APPOINTMENT_CREATED: {"appointment_id": APPOINTMENT},
    EventKind.APPOINTMENT_UPDATED: {"appointment_id": APPOINTMENT, "fields": "start, end"},
    EventKind.APPOINTMENT_CANCELLED: {"appointment_id": APPOINTMENT, "fields": "status"},
    EventKind.APPOINTMENT_DELETED: {"appointment_id": APPOINTMENT},
    EventKind.APPOINTMENT_CONFIRMED: {
        "appointment_id": APPOINTMENT,
        "fields": "status",
        "confirmed_by": "contact",
        "channel": "sms",
    },
    EventKind.APPOINTMENT_CANCEL_REQUESTED: {
        "appointment_id": APPOINTMENT,
        "fields": "status",
        "channel": "link",
    },
    EventKind.APPOINTMENTS_IMPORTED: {"created": 40, "updated": 3, "rejected": 0},
    EventKind.DATA_PURGED: {"older_than_days": 365, "messages": 1200, "links": 310},
}
_IDS = {"contact": CONTACT, "message": MESSAGE, "delivery": DELIVERY, "link": LINK}


def example_payload(kind: str) -> dict[str, Any]:
    if kind == TEST_TYPE:
        return ping_payload("9f1c2d3e-4b5a-6978-8a9b-0c1d2e3f4a5b", ORGANIZATION, WHEN)
    ties = TIES.get(kind, ())
    event = Event(
        id=48213,
        kind=kind,
        created_at=WHEN,
        detail=DETAIL.get(kind, {}),
        **{f"{name}_id": _IDS[name] for name in ties},
    )
    return event_payload(event, ORGANIZATION)


def every_type() -> list[tuple[str, StrOrPromise]]:
    """(type, label) for every kind a webhook can carry, the test event last."""
    return [(kind.value, kind.label) for kind in EventKind] + [
        (TEST_TYPE, "Test event (POST /webhooks/{id}/test)")
    ]
