"""Finding events for the activity log page, its CSV export and (later) the API."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from hushpost.activity.models import Event


def _start_of_day(day: dt.date, zone: dt.tzinfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=zone)


def filter_events(
    organization,
    *,
    contact=None,
    kind: str = "",
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    zone: dt.tzinfo | None = None,
) -> QuerySet[Event]:
    """The organization's events, newest first.

    `date_from` and `date_to` are both inclusive and read as days in `zone`
    (the staff member's), else the organization's time zone: "the 3rd" at a
    New York clinic runs from midnight to midnight New York time, whatever the
    server's zone. A contact from another organization matches nothing.
    """
    events = Event.objects.for_org(organization).select_related("contact")
    if contact is not None:
        events = events.filter(contact=contact)
    if kind:
        events = events.filter(kind=kind)
    zone = zone or ZoneInfo(organization.time_zone)
    if date_from is not None:
        events = events.filter(created_at__gte=_start_of_day(date_from, zone))
    if date_to is not None:
        events = events.filter(created_at__lt=_start_of_day(date_to + dt.timedelta(days=1), zone))
    return events.order_by("-created_at", "-id")
