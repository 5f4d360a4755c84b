"""Creating, changing, cancelling and deleting appointments: checked,
logged, and the schedule kept current.

Every change goes through here (staff pages, the API, imports), so the
message schedule (schedule.sync_appointment) is updated in the same
transaction as the appointment itself.
"""

from __future__ import annotations

from typing import cast

from django.db import transaction

from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.appointments.models import Appointment, AppointmentStatus
from hushpost.appointments.schedule import sync_appointment

END_BEFORE_START = "The end must be after the start."
OTHER_CONTACT = "Unknown contact: choose one of your organization's contacts."
OTHER_STAFF = "Unknown staff member: choose someone in your organization."
# A CharField: its max_length is always set.
MAX_EXTERNAL_ID = cast(int, Appointment._meta.get_field("external_id").max_length)
# What the activity log names; the values themselves stay out of it.
TRACKED = ("contact", "start", "end", "title", "location", "staff", "status", "external_id")


class AppointmentInvalid(ValueError):
    """The appointment can't be saved; `problems` maps a field to what is wrong with it."""

    def __init__(self, problems: dict[str, list[str]]):
        self.problems = problems
        super().__init__(
            "; ".join(f"{name}: {' '.join(found)}" for name, found in problems.items())
        )


def external_id_taken(external_id: str) -> str:
    return (
        f"Another appointment already has the external id “{external_id}”; external ids are unique."
    )


def check_appointment(appointment: Appointment) -> dict[str, list[str]]:
    """Everything that refuses the appointment, by field."""
    problems: dict[str, list[str]] = {}

    def add(name: str, text: str) -> None:
        problems.setdefault(name, []).append(text)

    org_id = appointment.organization_id
    if appointment.contact_id is None:
        add("contact", "Choose a contact.")
    elif appointment.contact.organization_id != org_id:
        add("contact", OTHER_CONTACT)
    if appointment.staff is not None and appointment.staff.organization_id != org_id:
        add("staff", OTHER_STAFF)
    if appointment.start is None:
        add("start", "Give the start.")
    if appointment.end is None:
        add("end", "Give the end.")
    if (
        appointment.start is not None
        and appointment.end is not None
        and appointment.end < appointment.start
    ):
        add("end", END_BEFORE_START)
    if appointment.status not in AppointmentStatus.values:
        add("status", "Use scheduled, confirmed or cancelled.")
    appointment.external_id = (appointment.external_id or "").strip()
    if len(appointment.external_id) > MAX_EXTERNAL_ID:
        add("external_id", f"An external id is at most {MAX_EXTERNAL_ID} characters.")
    elif appointment.external_id and (
        Appointment.objects.for_org(org_id)
        .filter(external_id=appointment.external_id)
        .exclude(pk=appointment.pk)
        .exists()
    ):
        add("external_id", external_id_taken(appointment.external_id))
    return problems


def changed_fields(before: Appointment | None, after: Appointment) -> list[str]:
    if before is None:
        return list(TRACKED)
    attnames = {field.name: field.attname for field in Appointment._meta.concrete_fields}
    return [
        name
        for name in TRACKED
        if getattr(before, attnames[name]) != getattr(after, attnames[name])
    ]


def _kind(appointment: Appointment, created: bool, changed: list[str]) -> EventKind:
    if created:
        return EventKind.APPOINTMENT_CREATED
    if "status" in changed and appointment.status == AppointmentStatus.CANCELLED:
        return EventKind.APPOINTMENT_CANCELLED
    return EventKind.APPOINTMENT_UPDATED


@transaction.atomic
def save_appointment(
    appointment: Appointment,
    *,
    actor=None,
    actor_label: str = "",
    created: bool,
    changed: list[str] | None = None,
) -> Appointment:
    """Check and save; raises AppointmentInvalid. `changed` names the fields
    changed (None: look them up)."""
    problems = check_appointment(appointment)
    if problems:
        raise AppointmentInvalid(problems)
    if changed is None:
        before = None if created else Appointment.objects.filter(pk=appointment.pk).first()
        changed = changed_fields(before, appointment)
    appointment.save()
    sync_appointment(appointment, created=created)
    if created or changed:
        detail = {"appointment_id": str(appointment.pk)}
        if not created:
            detail["fields"] = ", ".join(changed)
        record(
            appointment.organization,
            _kind(appointment, created, changed),
            contact=appointment.contact,
            actor=actor,
            actor_label=actor_label,
            **detail,
        )
    return appointment


def cancel_appointment(
    appointment: Appointment, *, actor=None, actor_label: str = ""
) -> Appointment:
    if appointment.status == AppointmentStatus.CANCELLED:
        return appointment
    appointment.status = AppointmentStatus.CANCELLED
    return save_appointment(
        appointment, actor=actor, actor_label=actor_label, created=False, changed=["status"]
    )


@transaction.atomic
def delete_appointment(appointment: Appointment, *, actor=None, actor_label: str = "") -> None:
    """Its due sends go with it (the foreign key cascades); the log keeps that it existed."""
    record(
        appointment.organization,
        EventKind.APPOINTMENT_DELETED,
        contact=appointment.contact,
        actor=actor,
        actor_label=actor_label,
        appointment_id=str(appointment.pk),
    )
    appointment.delete()
