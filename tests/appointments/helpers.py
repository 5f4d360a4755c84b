"""Appointments for tests."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from hushpost.appointments.models import Appointment
from hushpost.appointments.services import save_appointment


def at(text: str, zone: str = "America/New_York") -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


def make_appointment(org, contact, start=None, *, minutes=30, actor=None, **fields) -> Appointment:
    start = start or at("2031-03-04T09:30")
    appointment = Appointment(
        organization=org,
        contact=contact,
        start=start,
        end=start + timedelta(minutes=minutes),
        **fields,
    )
    return save_appointment(appointment, actor=actor, actor_label="test", created=True)
