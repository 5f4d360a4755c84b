"""Creating, changing, cancelling and deleting appointments: checked,
logged, and the schedule kept current.

Every change goes through here (staff pages, the API, imports), so the
message schedule (schedule.sync_appointment) is updated in the same
transaction as the appointment itself.
"""

from __future__ import annotations

from typing import cast

from django.db import transaction
from django.utils import timezone

from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.appointments.models import (
    AnswerChannel,
    Appointment,
    AppointmentStatus,
    ConfirmedBy,
)
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
        add("status", "Use scheduled, confirmed, cancel_requested or cancelled.")
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
    if "status" in changed:
        return STATUS_EVENTS.get(appointment.status, EventKind.APPOINTMENT_UPDATED)
    return EventKind.APPOINTMENT_UPDATED


STATUS_EVENTS: dict[str, EventKind] = {
    AppointmentStatus.CANCELLED: EventKind.APPOINTMENT_CANCELLED,
    AppointmentStatus.CONFIRMED: EventKind.APPOINTMENT_CONFIRMED,
    AppointmentStatus.CANCEL_REQUESTED: EventKind.APPOINTMENT_CANCEL_REQUESTED,
}


def keep_confirmation_current(
    appointment: Appointment, before: Appointment | None, changed: list[str], now
) -> None:
    """Who confirmed, and when, follows the status.

    A confirmation nobody attributed (a staff form, the API) is staff's. The
    contact's own answer — yes or can't come — is about one time: moving the
    appointment makes it unanswered again, unless the same change sets the status.
    """
    contact_answered = before is not None and (
        before.confirmed_by_contact or before.status == AppointmentStatus.CANCEL_REQUESTED
    )
    if contact_answered and "start" in changed and "status" not in changed:
        appointment.status = AppointmentStatus.SCHEDULED
        changed.append("status")
    if appointment.status == AppointmentStatus.CONFIRMED:
        if before is None or before.status != AppointmentStatus.CONFIRMED:
            appointment.confirmed_by = appointment.confirmed_by or ConfirmedBy.STAFF
            appointment.answered_via = appointment.answered_via or AnswerChannel.STAFF
            appointment.confirmed_at = appointment.confirmed_at or now
        elif not appointment.confirmed_by:
            appointment.confirmed_by, appointment.answered_via = (
                ConfirmedBy.STAFF,
                AnswerChannel.STAFF,
            )
            appointment.confirmed_at = appointment.confirmed_at or now
    elif appointment.status == AppointmentStatus.CANCEL_REQUESTED:
        appointment.confirmed_by, appointment.confirmed_at = "", None
        appointment.answered_via = appointment.answered_via or AnswerChannel.STAFF
    else:
        appointment.confirmed_by, appointment.confirmed_at, appointment.answered_via = "", None, ""


@transaction.atomic
def save_appointment(
    appointment: Appointment,
    *,
    actor=None,
    actor_label: str = "",
    created: bool,
    changed: list[str] | None = None,
    now=None,
    **extra: str,
) -> Appointment:
    """Check and save; raises AppointmentInvalid. `changed` names the fields
    changed (None: look them up); `extra` goes into the event's detail."""
    problems = check_appointment(appointment)
    if problems:
        raise AppointmentInvalid(problems)
    # The stored row is read only when the answer can depend on it (an import
    # that changes neither status nor start saves without the extra query).
    before = None
    if not created and (changed is None or {"status", "start"} & set(changed)):
        before = Appointment.objects.filter(pk=appointment.pk).first()
    if changed is None:
        changed = changed_fields(before, appointment)
    changed = list(changed)
    if created or before is not None:
        keep_confirmation_current(appointment, before, changed, now or timezone.now())
    appointment.save()
    sync_appointment(appointment, created=created)
    if created or changed:
        detail = {"appointment_id": str(appointment.pk), **extra}
        if not created:
            detail["fields"] = ", ".join(changed)
        if appointment.status == AppointmentStatus.CONFIRMED and "status" in changed:
            detail.update(confirmed_by=appointment.confirmed_by, channel=appointment.answered_via)
        elif appointment.status == AppointmentStatus.CANCEL_REQUESTED and "status" in changed:
            detail["channel"] = appointment.answered_via
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
