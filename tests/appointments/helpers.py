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


def import_file(org, file_name: str, data: bytes, *, actor=None, mapping=None):
    """Import a file of appointments through the pipeline, settled in this process."""
    from hushpost.imports.models import ImportSource
    from hushpost.imports.pipeline import create_run, run_now

    run = create_run(
        org,
        kind="appointments",
        file_name=file_name,
        data=data,
        user=actor,
        source=ImportSource.CLI,
        mapping=mapping,
    )
    return run_now(run)


def reasons(run) -> dict[str, list[str]]:
    """Rejected rows by where they are: "row 3" for a CSV, "event <UID>" for a calendar."""
    return {
        (f"row {row.line}" if run.format == "csv" else f"event {row.uid}"): row.reasons
        for row in run.rows.filter(outcome="rejected")
    }


def new_contacts(run) -> int:
    return sum("new contact added" in row.warnings for row in run.rows.all())
