"""Recurring calendar series after their import: kept, and extended as the horizon moves on.

An import expands a series from now to the horizon
(HUSHPOST_RECURRENCE_HORIZON_DAYS). An open-ended one (an RRULE without
COUNT or UNTIL) has occurrences beyond it, so the series is kept — its
VEVENTs encrypted, with how far it was expanded — and the scheduler's step
`extend_open_series` adds the occurrences that come within the horizon as
days pass, through the same settler as the import. A new import of the same
UID replaces what was kept.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from hushpost.accounts.models import User
from hushpost.appointments.calendar_reader import horizon, parse_calendar, read_calendar
from hushpost.appointments.models import RecurringSeries
from hushpost.imports.readers import ImportRefused

logger = logging.getLogger(__name__)

# Extended once a day, not every tick: occurrences are days apart.
EXTEND_EVERY = timedelta(days=1)
BATCH = 20
ACTOR_LABEL = "recurring series"


def remember_series(organization, record) -> None:
    """Keep (or replace) an imported series, expanded until the end of its window."""
    series = RecurringSeries.objects.filter(organization=organization, uid=record.uid).first()
    if series is None:
        series = RecurringSeries(organization=organization, uid=record.uid)
    series.source = record.series_source
    series.zone = record.series_zone
    series.open_ended = record.series_open_ended
    series.expanded_until = record.series_window[1]
    series.save()


def extend_open_series(now: datetime | None = None, *, batch: int = BATCH) -> int:
    """Expand open-ended series whose horizon moved on; returns appointments added."""
    from hushpost.appointments.import_rows import AppointmentSettler

    now = now or timezone.now()
    until = now + horizon()
    due = (
        RecurringSeries.objects.filter(open_ended=True, expanded_until__lt=until - EXTEND_EVERY)
        .select_related("organization")
        .order_by("expanded_until")[:batch]
    )
    added = 0
    for series in due:
        organization = series.organization
        staff = User.objects.filter(organization=organization).values_list("email", flat=True)
        try:
            read = read_calendar(
                organization,
                parse_calendar(series.source),
                now=series.expanded_until,
                until=until,
                staff_addresses=list(staff),
                zone_name=series.zone,
            )
        except ImportRefused:
            logger.warning("recurring series %s: can't be read any more; left as it is", series.pk)
            RecurringSeries.objects.filter(pk=series.pk).update(open_ended=False)
            continue
        settler = AppointmentSettler(None, organization, actor_label=ACTOR_LABEL)
        with transaction.atomic():
            for record in read.records:
                # Only adds: what the new window holds; cancelling is an import's job.
                record.series_window = None
                record.series_source = ""
                added += sum(
                    1 for result in settler.settle_record(record) if result.outcome == "added"
                )
            RecurringSeries.objects.filter(pk=series.pk).update(expanded_until=until)
    return added
