"""Record activity. Every app calls `record()`; nothing else writes events.

The event is saved in a transaction of its own when the caller has none, so
what listens to the save (the webhooks outbox, hushpost.webhooks.outbox)
commits with it or not at all.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.dispatch import Signal

from hushpost.activity.audit import is_audit_kind
from hushpost.activity.models import Event, EventKind
from hushpost.activity.origin import current_ip

# Detail values are short facts (ids, counts, field names), never content.
MAX_DETAIL_VALUE = 200

# Sent with the events `record_many` saved in one statement (no post_save is
# sent for them), inside its transaction: what listens to single saves (the
# webhooks outbox) listens here too.
events_recorded = Signal()


def record(
    organization,
    kind: EventKind,
    *,
    contact=None,
    message=None,
    delivery=None,
    link=None,
    actor=None,
    actor_label: str = "",
    **detail: Any,
) -> Event:
    with transaction.atomic():
        return Event.objects.create(
            **_fields(
                organization,
                kind,
                contact=contact,
                message=message,
                delivery=delivery,
                link=link,
                actor=actor,
                actor_label=actor_label,
                detail=detail,
            )
        )


def record_many(entries: list[dict[str, Any]]) -> list[Event]:
    """Record many events in one INSERT; each entry holds `record()`'s arguments
    (`organization`, `kind`, the related rows, and the detail under "detail")."""
    if not entries:
        return []
    events = [
        Event(
            **_fields(
                **{k: v for k, v in entry.items() if k != "detail"},
                detail=dict(entry.get("detail") or {}),
            )
        )
        for entry in entries
    ]
    # No savepoint: a failure here fails the caller's transaction as a whole anyway.
    with transaction.atomic(savepoint=False):
        saved = Event.objects.bulk_create(events)
        events_recorded.send(sender=Event, events=saved)
    return saved


def _fields(
    organization,
    kind: EventKind,
    *,
    contact=None,
    message=None,
    delivery=None,
    link=None,
    actor=None,
    actor_label: str = "",
    detail: dict[str, Any],
) -> dict[str, Any]:
    if "ip" not in detail and is_audit_kind(kind) and (ip := current_ip()):
        # Audit events say where the action came from; business functions
        # don't see the request, so the address comes from the one being served.
        detail["ip"] = ip
    clean = {
        key: value
        if isinstance(value, (int, float, bool)) or value is None
        else str(value)[:MAX_DETAIL_VALUE]
        for key, value in detail.items()
    }
    if actor is not None and not actor_label:
        actor_label = actor.email
    return {
        "organization": organization,
        "contact": contact,
        "message": message,
        "delivery": delivery,
        "link": link,
        "kind": kind,
        "actor": actor,
        "actor_label": actor_label or "system",
        "detail": clean,
    }
