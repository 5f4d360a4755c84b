"""/events: the activity log, newest first, filtered by contact, kind and time."""

from __future__ import annotations

from uuid import UUID

from ninja import Query, Router

from hushpost.activity.models import EventKind
from hushpost.activity.queries import filter_events
from hushpost.api.contacts import find_contact
from hushpost.api.paging import Cursor, Keyset, Limit, Offset, cursor_page
from hushpost.api.problems import Invalid
from hushpost.api.schemas import EventList, Instant, Problem, ValidationProblem

router = Router(tags=["events"])

EVENT_ORDER = Keyset("events", ("-created_at", "-id"))


def _event_out(event) -> dict:
    return {
        "id": event.id,
        "kind": event.kind,
        "created_at": event.created_at,
        "contact_id": event.contact_id,
        "message_id": event.message_id,
        "delivery_id": event.delivery_id,
        "link_id": event.link_id,
        "actor": event.actor_label,
        "detail": event.detail,
    }


@router.get(
    "/events",
    response={200: EventList, 401: Problem, 404: Problem, 422: ValidationProblem},
    summary="List events",
)
def list_events(
    request,
    contact_id: UUID | None = Query(None, description="Only this contact's events."),
    kind: EventKind | None = Query(None, description="Only events of this kind."),
    since: Instant | None = Query(
        None, description="ISO 8601 with an offset; events at or after it."
    ),
    limit: int = Limit(),
    offset: int = Offset(),
    cursor: str | None = Cursor(),
):
    if since is not None and since.tzinfo is None:
        # A time without an offset means a different instant in every zone.
        raise Invalid(
            [("since", "Give the time with its offset, such as 2025-03-01T09:00:00Z or +01:00.")]
        )
    # An unknown contact is a 404 like everywhere else, not an empty list that hides a typo.
    contact = find_contact(request.org, contact_id) if contact_id is not None else None
    events = filter_events(request.org, contact=contact, kind=kind or "")
    if since is not None:
        events = events.filter(created_at__gte=since)
    items, count, next_cursor = cursor_page(
        events, EVENT_ORDER, limit=limit, offset=offset, cursor=cursor
    )
    return {
        "items": [_event_out(event) for event in items],
        "count": count,
        "next_cursor": next_cursor,
    }
