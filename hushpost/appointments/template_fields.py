"""An appointment's template fields: `{{ appointment.start_time }}`, `{{ appointment.location }}` …

Times are written in the contact's time zone and dates in the contact's
language, so one template reads right for every recipient. Compose (with
appointments as recipients) and the scheduler render with these.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.utils import formats, translation

from hushpost.appointments.models import Appointment

# Name → what it holds, in the order "Fields you can use" lists them.
APPOINTMENT_FIELD_HELP: dict[str, str] = {
    "start_date": "the day, such as March 3, 2026",
    "start_time": "the start time, such as 9:30 a.m.",
    "start_weekday": "the day of the week, such as Tuesday",
    "end_time": "the end time",
    "end_date": "the day it ends",
    "title": "what it is",
    "location": "where",
    "staff_name": "who the contact sees",
    "status": "scheduled, confirmed or cancelled",
    "time_zone": "the time zone the times are in",
}
APPOINTMENT_FIELDS: frozenset[str] = frozenset(APPOINTMENT_FIELD_HELP)


def _language(code: str) -> str:
    return code or "en"


def appointment_values(appointment: Appointment) -> dict[str, str]:
    contact = appointment.contact
    zone_name = contact.effective_time_zone
    zone = ZoneInfo(zone_name)
    start = appointment.start.astimezone(zone)
    end = appointment.end.astimezone(zone)
    staff = appointment.staff
    with translation.override(_language(contact.language)):
        return {
            "start_date": formats.date_format(start, "DATE_FORMAT"),
            "start_time": formats.time_format(start, "TIME_FORMAT"),
            "start_weekday": formats.date_format(start, "l"),
            "end_time": formats.time_format(end, "TIME_FORMAT"),
            "end_date": formats.date_format(end, "DATE_FORMAT"),
            "title": appointment.title,
            "location": appointment.location,
            "staff_name": (staff.full_name or staff.email) if staff is not None else "",
            "status": str(appointment.get_status_display()),
            "time_zone": zone_name,
        }


def appointment_context(appointment: Appointment) -> dict[str, dict[str, str]]:
    """What `{{ appointment.* }}` holds for this appointment's contact."""
    return {"appointment": appointment_values(appointment)}


def sample_appointment_context() -> dict[str, dict[str, str]]:
    return {"appointment": {name: "sample" for name in APPOINTMENT_FIELDS}}


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
