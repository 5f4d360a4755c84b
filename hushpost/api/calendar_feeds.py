"""/calendar-feeds: calendars (secret iCal addresses) the scheduler keeps in sync.

The rules are hushpost.imports.feeds', shared with the staff page
(Appointments → Calendar feeds); polling is hushpost.imports.feed_polling. The
address is a secret: it is sent once, stored encrypted, and answered only
masked (`url`). Each poll that brings a changed calendar is an import whose
report is `GET /imports/{import_id}/rows`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from ninja import Field, Router, Schema, Status

from hushpost.api.auth import actor_label
from hushpost.api.imports import ImportCounts
from hushpost.api.paging import Limit, Offset, page
from hushpost.api.problems import Invalid, NotFound
from hushpost.api.schemas import Problem, ValidationProblem, omittable
from hushpost.imports.feed_polling import poll_feed
from hushpost.imports.feeds import FeedInvalid, create_feed, delete_feed, update_feed
from hushpost.imports.models import CalendarFeed

router = Router(tags=["calendar feeds"])

ITEM_ERRORS = {401: Problem, 404: Problem, 422: ValidationProblem}
Outcome = Literal["", "imported", "unchanged", "not_modified", "failed", "refused"]
URL_HELP = (
    "The calendar's secret address in iCal format (Google, Outlook, iCloud, an EHR's "
    "export); `webcal://` is read as `https://`. Private addresses are refused."
)


class FeedIn(Schema):
    url: str = Field(
        ...,
        max_length=2000,
        description=URL_HELP,
        examples=["webcal://p52-caldav.icloud.com/published/2/MTIzNDU2Nzg5"],
    )
    name: str = Field("", max_length=200, description="Defaults to the address's host name.")
    staff_email: str = Field(
        "",
        max_length=254,
        description="The staff member its appointments are assigned to, unless an event's "
        "organizer is one.",
    )


class FeedPatch(Schema):
    url: str = omittable(max_length=2000, description=URL_HELP)
    name: str = omittable(min_length=1, max_length=200)
    staff_email: str = omittable(max_length=254, description="Empty: nobody.")


class FeedOut(Schema):
    id: UUID
    url: str = Field(..., description="The address, masked: its host and file name only.")
    name: str
    staff_email: str
    last_polled_at: datetime | None
    last_outcome: Outcome = Field(
        ...,
        description="imported (a changed calendar is being or was imported), unchanged, "
        "not_modified (304), failed, refused (not a calendar); empty before the first poll.",
    )
    last_error: str = Field(..., description="Why the last poll failed or was refused.")
    failing_since: datetime | None
    counts: ImportCounts = Field(..., description="The counts of the last import.")
    import_id: UUID | None = Field(
        ..., description="The last import; its report is GET /imports/{id}/rows."
    )
    next_poll_at: datetime
    created_at: datetime


class FeedList(Schema):
    items: list[FeedOut]
    count: int


def find_feed(organization, feed_id: UUID) -> CalendarFeed:
    feed = (
        CalendarFeed.objects.for_org(organization)
        .select_related("last_run", "organization")
        .filter(pk=feed_id)
        .first()
    )
    if feed is None:
        raise NotFound("No calendar feed with this id.")
    return feed


def feed_out(feed: CalendarFeed) -> dict:
    return {
        "id": feed.pk,
        "url": feed.url_hint,
        "name": feed.name,
        "staff_email": feed.staff_email,
        "last_polled_at": feed.last_polled_at,
        "last_outcome": feed.last_outcome,
        "last_error": feed.last_error,
        "failing_since": feed.failing_since,
        "counts": feed.counts,
        "import_id": feed.last_run_id,
        "next_poll_at": feed.next_poll_at,
        "created_at": feed.created_at,
    }


def _invalid(error: FeedInvalid) -> Invalid:
    return Invalid((name, text) for name, texts in error.problems.items() for text in texts)


@router.get("/calendar-feeds", response={200: FeedList, 401: Problem, 422: ValidationProblem})
def list_feeds(request, limit: int = Limit(), offset: int = Offset()):
    """The organization's calendar feeds, oldest first."""
    feeds = CalendarFeed.objects.for_org(request.org).select_related("last_run")
    items, count = page(feeds, limit, offset)
    return {"items": [feed_out(item) for item in items], "count": count}


@router.post(
    "/calendar-feeds",
    response={201: FeedOut, 401: Problem, 422: ValidationProblem},
    summary="Add a calendar feed",
    description=(
        "The scheduler polls it every HUSHPOST_FEED_INTERVAL_MINUTES (first at once) and "
        "imports what changed; events gone from it cancel their future appointments."
    ),
)
def create_calendar_feed(request, payload: FeedIn):
    try:
        feed = create_feed(
            request.org,
            url=payload.url,
            name=payload.name,
            staff_email=payload.staff_email,
            actor_label=actor_label(request),
        )
    except FeedInvalid as error:
        raise _invalid(error) from None
    return Status(201, feed_out(feed))


@router.get("/calendar-feeds/{feed_id}", response={200: FeedOut, **ITEM_ERRORS})
def get_calendar_feed(request, feed_id: UUID):
    """One feed, with its last poll."""
    return feed_out(find_feed(request.org, feed_id))


@router.patch(
    "/calendar-feeds/{feed_id}",
    response={200: FeedOut, **ITEM_ERRORS},
    summary="Change a calendar feed",
    description="Only the fields sent change. A new `url` is fetched in full at once.",
)
def patch_calendar_feed(request, feed_id: UUID, payload: FeedPatch):
    feed = find_feed(request.org, feed_id)
    try:
        update_feed(
            feed, **payload.model_dump(exclude_unset=True), actor_label=actor_label(request)
        )
    except FeedInvalid as error:
        raise _invalid(error) from None
    return feed_out(feed)


@router.delete("/calendar-feeds/{feed_id}", response={204: None, **ITEM_ERRORS})
def delete_calendar_feed(request, feed_id: UUID):
    """The feed goes; the appointments it brought stay."""
    delete_feed(find_feed(request.org, feed_id), actor_label=actor_label(request))
    return Status(204, None)


@router.post(
    "/calendar-feeds/{feed_id}/poll",
    response={200: FeedOut, **ITEM_ERRORS},
    summary="Poll a calendar feed now",
    description=(
        "Fetches the calendar now (within HUSHPOST_FEED_TIMEOUT_SECONDS) and answers with the "
        "outcome. A changed calendar is imported in the background: follow `import_id`."
    ),
)
def poll_calendar_feed(request, feed_id: UUID):
    feed = find_feed(request.org, feed_id)
    poll_feed(feed)
    return feed_out(find_feed(request.org, feed_id))
