"""One way to write a date and time on every staff page.

"Tue 8 Dec 2026, 9:30 a.m. EST" (Spanish: "mar 8 dic 2026, 14:30 EST"): the
weekday (front desks think in days of the week), the day, the time as the
staff language says it, and the zone's
abbreviation, so a time is never read in the wrong zone. It is always in the
zone `staff_required` made current: the staff member's own, else the
organization's.
"""

from __future__ import annotations

from datetime import date, datetime

from django.utils import dateformat, timezone
from django.utils.translation import pgettext_lazy

# The clock is the staff language's own, like Django's own DATE_FORMAT: English
# says "9:30 a.m.", Spanish staff read the 24-hour "14:30".
# Translators: a Django date format (the "date" template filter's letters); keep the letters.
DATE_TIME = pgettext_lazy("staff", "D j M Y, g:i a T")
# Translators: a Django time format (the "date" template filter's letters); keep the letters.
TIME = pgettext_lazy("staff", "g:i a")
DAY = "l j F Y"
SHORT_DAY = "D j M"


def local(value: datetime) -> datetime:
    return timezone.localtime(value) if timezone.is_aware(value) else value


def date_time(value: datetime) -> str:
    return dateformat.format(local(value), str(DATE_TIME))


def time_of_day(value: datetime) -> str:
    return dateformat.format(local(value), str(TIME))


def day(value: date | datetime) -> str:
    if isinstance(value, datetime):
        value = local(value)
    return dateformat.format(value, DAY)


def short_day(value: date | datetime) -> str:
    if isinstance(value, datetime):
        value = local(value)
    return dateformat.format(value, SHORT_DAY)


def zone_description() -> str:
    """ "America/New_York (EST)": the zone every time on the page is in."""
    zone = timezone.get_current_timezone()
    abbreviation = timezone.localtime().tzname() or ""
    name = getattr(zone, "key", str(zone))
    return f"{name} ({abbreviation})" if abbreviation and abbreviation != name else name
