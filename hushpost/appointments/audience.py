"""Appointments as the recipients of a send: by id, or every appointment on a day.

Registered with messaging's audiences (apps.py), so a send fanned out in the
background turns its stored appointment ids back into recipients told about
their own appointment.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from uuid import UUID
from zoneinfo import ZoneInfo

from hushpost.accounts.models import Organization
from hushpost.appointments.models import Appointment, AppointmentStatus
from hushpost.appointments.template_fields import EXTRA_FIELDS, as_recipient
from hushpost.messaging.audience import (
    MAX_RECIPIENTS,
    Audience,
    AudienceError,
    AudienceKind,
    known_ids,
    register_kind,
)


def load_appointments(organization: Organization, ids: Sequence[str]) -> list:
    found = (
        Appointment.objects.for_org(organization)
        .select_related("contact__organization", "staff")
        .in_bulk(list(ids))
    )
    return [as_recipient(found[UUID(i)]) for i in ids if UUID(i) in found]


def appointments_by_id(organization: Organization, appointment_ids: list[UUID]) -> Audience:
    return Audience(
        "appointments",
        known_ids(
            Appointment.objects.for_org(organization),
            appointment_ids,
            "appointment_ids",
            "appointment",
        ),
    )


def appointments_on(organization: Organization, day: datetime.date) -> Audience:
    """The day's appointments that are not cancelled, the day in the organization's zone."""
    zone = ZoneInfo(organization.time_zone)
    start = datetime.datetime.combine(day, datetime.time(), zone)
    end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time(), zone)
    found = (
        Appointment.objects.for_org(organization)
        .filter(start__gte=start, start__lt=end)
        .exclude(status=AppointmentStatus.CANCELLED)
        .order_by("start", "pk")
    )
    ids = [str(i) for i in found.values_list("pk", flat=True)[: MAX_RECIPIENTS + 1]]
    if len(ids) > MAX_RECIPIENTS:
        raise AudienceError("filter", f"At most {MAX_RECIPIENTS:,} recipients in one send.")
    return Audience("appointments", ids)


def register() -> None:
    register_kind("appointments", AudienceKind(load=load_appointments, extra_fields=EXTRA_FIELDS))
