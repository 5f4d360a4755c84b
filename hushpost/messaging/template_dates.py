"""Dates in message templates, as Liquid writers expect them.

Liquid's `date` filter formats a date value with strftime directives
(`{{ appointment.start | date: "%A %-d %B" }}`). Fields written as text in
the contact's language ("3 de marzo de 2026") are not date values, and the
filter returns them unchanged. So date fields are `TemplateDateTime`s:
aware datetimes in the zone they are meant in (the contact's for an
appointment, the organization's for `now`) that remember the contact's
language. Printed alone they read as a date and time in that language;
through `date`, day and month names (%A %a %B %b) come out in that
language too, and the rest is strftime's.

`"now" | date` — Liquid's own way to say "the current time" — is the
template's `now` field, so it is the organization's time, not the server's.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from django.utils import dates, formats, translation
from django.utils import timezone as django_timezone
from liquid.builtin.filters.misc import date as liquid_date
from liquid.filter import with_context
from liquid.undefined import is_undefined

NOW = "now"
_NAME_DIRECTIVES = re.compile(r"%([AaBbh%])")


class TemplateDateTime(dt.datetime):
    """A datetime that knows the language it is shown in."""

    language: str = "en"

    def __str__(self) -> str:
        with translation.override(self.language or "en"):
            return formats.date_format(self, "DATETIME_FORMAT")

    def strftime(self, fmt: str) -> str:
        """strftime with day and month names in this date's language."""
        with translation.override(self.language or "en"):
            names = {
                "A": str(dates.WEEKDAYS[self.weekday()]),
                "a": str(dates.WEEKDAYS_ABBR[self.weekday()]),
                "B": str(dates.MONTHS[self.month]),
                "b": str(dates.MONTHS_3[self.month]).title(),
                "h": str(dates.MONTHS_3[self.month]).title(),
                "%": "%%",
            }
        # A name may hold a "%" of its own: escaped before strftime sees it.
        localized = _NAME_DIRECTIVES.sub(lambda m: names[m[1]].replace("%", "%%"), fmt)
        return super().strftime(localized)


def template_datetime(value: dt.datetime, zone: str, language: str) -> TemplateDateTime:
    """`value` (aware) as a template date in `zone`, shown in `language`."""
    local = value.astimezone(ZoneInfo(zone))
    result = TemplateDateTime(
        local.year,
        local.month,
        local.day,
        local.hour,
        local.minute,
        local.second,
        local.microsecond,
        tzinfo=local.tzinfo,
        fold=local.fold,
    )
    result.language = language or "en"
    return result


def now_in(zone: str, language: str, *, now: dt.datetime | None = None) -> TemplateDateTime:
    """The template's `now`: the current time in `zone` (the organization's)."""
    return template_datetime(now or django_timezone.now(), zone, language)


@with_context
def localized_date(value: object, fmt: object, *, context) -> str:
    """Liquid's `date` filter, with names in the date's language and "now" as the template's."""
    if value in ("now", "today"):
        value = context.resolve(NOW, default=None) or value
    if isinstance(value, TemplateDateTime) and not is_undefined(fmt):
        # Never an error at send time that the save-time trial render (with
        # sample text, which `date` leaves alone) could not have shown.
        try:
            return value.strftime(str(fmt))
        except (ValueError, UnicodeError):
            return str(value)
    return liquid_date(value, fmt, environment=context.env)
