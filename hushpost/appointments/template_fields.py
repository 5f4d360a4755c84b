"""An appointment's template fields: `{{ appointment.start_time }}`, `{{ appointment.location }}` …

Times are written in the contact's time zone and dates in the contact's
language, so one template reads right for every recipient. `start` and
`end` are also date values for Liquid's `date` filter (messaging/
template_dates.py), and `status` is the stable key a condition can test
(`{% if appointment.status == "confirmed" %}`) with `status_label` beside
it to show. Compose (with appointments as recipients) and the scheduler
render with these.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING

from django.utils import formats, translation
from django.utils.translation import pgettext_lazy

from hushpost.appointments.confirm_links import confirm_url
from hushpost.appointments.models import Appointment
from hushpost.messaging.rendering import fields_used
from hushpost.messaging.template_dates import template_datetime

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Name → what it holds, in the order "Fields you can use" lists them.
APPOINTMENT_FIELD_HELP: dict[str, StrOrPromise] = {
    "start_date": pgettext_lazy("staff", "the day, such as March 3, 2026"),
    "start_time": pgettext_lazy("staff", "the start time, such as 9:30 a.m."),
    "start_weekday": pgettext_lazy("staff", "the day of the week, such as Tuesday"),
    "end_time": pgettext_lazy("staff", "the end time"),
    "end_date": pgettext_lazy("staff", "the day it ends"),
    "start": pgettext_lazy(
        "staff",
        'the start as a date value: {{ appointment.start | date: "%A %-d %B, %H:%M" }} '
        "writes it your way, with day and month names in the contact's language",
    ),
    "end": pgettext_lazy("staff", "the end as a date value, for the date filter"),
    "title": pgettext_lazy("staff", "what it is"),
    "location": pgettext_lazy("staff", "where"),
    "staff_name": pgettext_lazy("staff", "who the contact sees"),
    "status": pgettext_lazy(
        "staff",
        "scheduled, confirmed, cancel_requested or cancelled — the same in every language, "
        "for {% if %} tests",
    ),
    "status_label": pgettext_lazy(
        "staff", "the status as a word to show (Scheduled, Confirmed, Can't come, Cancelled)"
    ),
    "time_zone": pgettext_lazy("staff", "the time zone the times are in"),
    "confirm_link": pgettext_lazy(
        "staff",
        "a link to a page with Confirm and I can't come buttons, valid until the appointment "
        "starts (for email and secure messages; texts can be answered with a word)",
    ),
}
APPOINTMENT_FIELDS: frozenset[str] = frozenset(APPOINTMENT_FIELD_HELP)


def _language(code: str) -> str:
    return code or "en"


def appointment_values(
    appointment: Appointment, language: str | None = None, *, names: Collection[str] | None = None
) -> dict[str, object]:
    """The fields, with dates in `language`: that of the text they land in (the
    contact's unless told). With `names` (see `fields_named`), only those: the
    scheduler writes thousands a minute, and each date written in a language, or
    the signed confirm link, costs more than the rest together."""
    contact = appointment.contact
    zone_name = contact.effective_time_zone
    language = _language(language or contact.language)
    start = template_datetime(appointment.start, zone_name, language)
    end = template_datetime(appointment.end, zone_name, language)
    staff = appointment.staff
    fields: dict[str, Callable[[], object]] = {
        "start_date": lambda: formats.date_format(start, "DATE_FORMAT"),
        "start_time": lambda: formats.time_format(start, "TIME_FORMAT"),
        "start_weekday": lambda: formats.date_format(start, "l"),
        "end_time": lambda: formats.time_format(end, "TIME_FORMAT"),
        "end_date": lambda: formats.date_format(end, "DATE_FORMAT"),
        "start": lambda: start,
        "end": lambda: end,
        "title": lambda: appointment.title,
        "location": lambda: appointment.location,
        "staff_name": lambda: (staff.full_name or staff.email) if staff is not None else "",
        "status": lambda: appointment.status,
        "status_label": lambda: str(appointment.get_status_display()),
        "time_zone": lambda: zone_name,
        "confirm_link": lambda: confirm_url(appointment),
    }
    with translation.override(language):
        return {name: value() for name, value in fields.items() if names is None or name in names}


def fields_named(*templates: str) -> frozenset[str] | None:
    """The appointment fields these templates name, or None when they may use any
    (the whole `appointment`, or a field reached in a way not read here)."""
    named: set[str] = set()
    for path in set().union(*(fields_used(template) for template in templates)):
        head, _, rest = path.partition(".")
        if head != "appointment":
            continue
        field = rest.split(".")[0]
        if field not in APPOINTMENT_FIELDS:
            return None
        named.add(field)
    return frozenset(named)


def appointment_context(
    appointment: Appointment, language: str | None = None, *, names: Collection[str] | None = None
) -> dict[str, dict[str, object]]:
    """What `{{ appointment.* }}` holds for this appointment's contact (`names`: only those)."""
    return {"appointment": appointment_values(appointment, language, names=names)}


def as_recipient(appointment: Appointment):
    """The appointment as a Compose recipient: its contact, with its fields.

    One contact with two appointments is two recipients, each told about its own.
    """
    from hushpost.messaging.compose import Recipient

    return Recipient(
        appointment.contact, appointment_context(appointment), label=str(appointment.pk)
    )


# What `extra_fields` Compose validates appointment templates with.
EXTRA_FIELDS = {"appointment": APPOINTMENT_FIELDS}
