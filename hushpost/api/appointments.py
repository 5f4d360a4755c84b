"""/appointments: list, create, get, replace (PUT), delete, upsert by external id, and their sends.

Every change goes through appointments.services, as the staff pages do, so
the message schedule is kept current and the activity log names the API key.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from ninja import Field, Query, Router, Schema, Status

from hushpost.accounts.models import Organization, User
from hushpost.api.auth import actor_label
from hushpost.api.contacts import find_contact
from hushpost.api.paging import Limit, Offset, page
from hushpost.api.problems import Invalid, NotFound
from hushpost.api.schemas import Instant, Problem, ValidationProblem
from hushpost.appointments.models import (
    AnswerChannel,
    Appointment,
    AppointmentStatus,
    ConfirmedBy,
    DueSend,
)
from hushpost.appointments.services import AppointmentInvalid, delete_appointment, save_appointment
from hushpost.contacts.models import Contact

router = Router(tags=["appointments"])

LIST_ERRORS = {401: Problem, 404: Problem, 422: ValidationProblem}
ITEM_ERRORS = {401: Problem, 404: Problem}
CHANGE_ERRORS = {**ITEM_ERRORS, 422: ValidationProblem}
# The services name fields as the staff form does; the API names them as its body does.
FIELD_NAMES = {"contact": "contact_id", "staff": "staff_email"}
NEEDS_OFFSET = "Give the time with its offset, such as 2031-03-04T09:30:00-05:00 or …Z."
Status_ = Literal["scheduled", "confirmed", "cancel_requested", "cancelled"]


class AppointmentFields(Schema):
    contact_id: UUID
    start: Instant = Field(
        ..., description="ISO 8601 with an offset.", examples=["2031-03-04T09:30:00-05:00"]
    )
    end: Instant = Field(..., description="ISO 8601 with an offset; not before the start.")
    title: str = Field("", max_length=200)
    location: str = Field("", max_length=300)
    staff_email: str = Field("", description="A staff member of the organization; empty for none.")
    status: Status_ = "scheduled"


class AppointmentIn(AppointmentFields):
    external_id: str = Field(
        "", max_length=255, description="The booking system's id; unique per organization."
    )


class AppointmentOut(Schema):
    id: UUID
    contact_id: UUID
    start: datetime
    end: datetime
    title: str
    location: str
    staff_email: str
    status: Status_
    confirmed_by: Literal["contact", "staff", "calendar", ""] = Field(
        ...,
        description=(
            "Who confirmed, while the status is `confirmed`: `contact` (their own answer), "
            "`staff` (a person or the API) or `calendar` (an import said so); empty otherwise."
        ),
    )
    confirmed_at: datetime | None
    answered_via: Literal["sms", "link", "portal", "voice", "staff", "api", "calendar", ""] = Field(
        ...,
        description=(
            "How the confirmation or the contact's “can't come” arrived; empty otherwise."
        ),
    )
    external_id: str


class AppointmentList(Schema):
    items: list[AppointmentOut]
    count: int


class SendOut(Schema):
    auto_message_id: int
    due_at: datetime
    status: Literal["pending", "sent", "skipped", "failed"]
    delivery_id: UUID | None
    reason: str = Field(
        ..., description="Why it was skipped, failed or held back; empty otherwise."
    )


class SendList(Schema):
    items: list[SendOut]
    count: int


def find_appointment(organization: Organization, appointment_id: UUID) -> Appointment:
    appointment = Appointment.objects.for_org(organization).filter(pk=appointment_id).first()
    if appointment is None:
        raise NotFound("No appointment with this id.")
    return appointment


def appointment_out(appointment: Appointment) -> dict[str, Any]:
    # Times in the organization's zone: the offset says which instant, the
    # clock reads as staff expect.
    zone = ZoneInfo(appointment.organization.time_zone)
    return {
        "id": appointment.id,
        "contact_id": appointment.contact_id,
        "start": appointment.start.astimezone(zone),
        "end": appointment.end.astimezone(zone),
        "title": appointment.title,
        "location": appointment.location,
        "staff_email": appointment.staff.email if appointment.staff else "",
        "status": appointment.status,
        "confirmed_by": appointment.confirmed_by,
        "confirmed_at": appointment.confirmed_at.astimezone(zone)
        if appointment.confirmed_at
        else None,
        "answered_via": appointment.answered_via,
        "external_id": appointment.external_id,
    }


def _apply(appointment: Appointment, data: dict[str, Any]) -> None:
    errors: list[tuple[str, str]] = []
    for name in ("start", "end"):
        if data[name].tzinfo is None:
            errors.append((name, NEEDS_OFFSET))
    contact = (
        Contact.objects.for_org(appointment.organization).filter(pk=data["contact_id"]).first()
    )
    if contact is None:
        # Another organization's contact reads exactly like an id that never existed.
        errors.append(("contact_id", f"Unknown contact id: {data['contact_id']}."))
    staff = None
    email = data["staff_email"].strip()
    if email:
        staff = User.objects.filter(
            organization=appointment.organization, email__iexact=email, is_active=True
        ).first()
        if staff is None:
            errors.append(
                ("staff_email", f"No staff member of this organization has the email {email}.")
            )
    if errors:
        raise Invalid(errors)
    appointment.contact = contact
    appointment.staff = staff
    for name in ("start", "end", "title", "location", "status"):
        setattr(
            appointment, name, data[name].strip() if isinstance(data[name], str) else data[name]
        )
    if appointment.status == AppointmentStatus.CONFIRMED and not appointment.confirmed_by:
        appointment.confirmed_by, appointment.answered_via = ConfirmedBy.STAFF, AnswerChannel.API
    if "external_id" in data:
        appointment.external_id = data["external_id"].strip()


def _save(request, appointment: Appointment, *, created: bool) -> Appointment:
    try:
        return save_appointment(
            appointment, actor=None, actor_label=actor_label(request), created=created
        )
    except AppointmentInvalid as error:
        raise Invalid(
            (FIELD_NAMES.get(name, name), message)
            for name, messages in error.problems.items()
            for message in messages
        ) from None


@router.get(
    "/appointments", response={200: AppointmentList, **LIST_ERRORS}, summary="List appointments"
)
def list_appointments(
    request,
    start_from: Instant | None = Query(
        None, alias="from", description="Starting at or after (ISO 8601 with offset)."
    ),
    to: Instant | None = Query(None, description="Starting before (ISO 8601 with offset)."),
    status: AppointmentStatus | None = Query(None, description="Only this status."),
    contact_id: UUID | None = Query(None, description="Only this contact's appointments."),
    limit: int = Limit(),
    offset: int = Offset(),
):
    """By start time, earliest first."""
    errors = [
        (name, NEEDS_OFFSET)
        for name, value in (("from", start_from), ("to", to))
        if value is not None and value.tzinfo is None
    ]
    if errors:
        raise Invalid(errors)
    appointments = Appointment.objects.for_org(request.org).select_related("organization", "staff")
    if contact_id is not None:
        appointments = appointments.filter(contact=find_contact(request.org, contact_id))
    if start_from is not None:
        appointments = appointments.filter(start__gte=start_from)
    if to is not None:
        appointments = appointments.filter(start__lt=to)
    if status:
        appointments = appointments.filter(status=status)
    items, count = page(appointments, limit, offset)
    return {"items": [appointment_out(item) for item in items], "count": count}


@router.post(
    "/appointments", response={201: AppointmentOut, **LIST_ERRORS}, summary="Create an appointment"
)
def create_appointment(request, payload: AppointmentIn):
    appointment = Appointment(organization=request.org)
    _apply(appointment, payload.model_dump())
    return Status(201, appointment_out(_save(request, appointment, created=True)))


@router.get(
    "/appointments/{appointment_id}",
    response={200: AppointmentOut, **ITEM_ERRORS},
    summary="Get an appointment",
)
def get_appointment(request, appointment_id: UUID):
    return appointment_out(find_appointment(request.org, appointment_id))


@router.put(
    "/appointments/{appointment_id}",
    response={200: AppointmentOut, **CHANGE_ERRORS},
    summary="Replace an appointment",
)
def replace_appointment(request, appointment_id: UUID, payload: AppointmentIn):
    """Every field as it should be now; a new start or end reschedules its messages."""
    appointment = find_appointment(request.org, appointment_id)
    _apply(appointment, payload.model_dump())
    return appointment_out(_save(request, appointment, created=False))


@router.delete(
    "/appointments/{appointment_id}",
    response={204: None, **ITEM_ERRORS},
    summary="Delete an appointment",
)
def remove_appointment(request, appointment_id: UUID):
    """What was still to go out for it is dropped; to keep a record, cancel it instead."""
    delete_appointment(
        find_appointment(request.org, appointment_id), actor=None, actor_label=actor_label(request)
    )
    return Status(204, None)


@router.put(
    "/appointments/by-external-id/{external_id}",
    response={200: AppointmentOut, 201: AppointmentOut, **CHANGE_ERRORS},
    summary="Create or replace an appointment by its external id",
    description=(
        "201 when no appointment had this external id, 200 when it was replaced. "
        "Sending it twice changes nothing more."
    ),
)
def upsert_appointment(request, external_id: str, payload: AppointmentFields):
    external_id = external_id.strip()
    if not external_id:
        raise Invalid([("external_id", "Give the external id in the path.")])
    for attempt in range(2):
        try:
            with transaction.atomic():
                appointment = (
                    Appointment.objects.for_org(request.org).filter(external_id=external_id).first()
                )
                created = appointment is None
                if created:
                    appointment = Appointment(organization=request.org, external_id=external_id)
                _apply(appointment, payload.model_dump())
                _save(request, appointment, created=created)
        except IntegrityError:
            if attempt:  # two requests created it at once: the second one updates
                raise
            continue
        return Status(201 if created else 200, appointment_out(appointment))


@router.get(
    "/appointments/{appointment_id}/sends",
    response={200: SendList, **ITEM_ERRORS},
    summary="The appointment's automated messages: upcoming and done",
    description=(
        "Each auto message due for this appointment: "
        "`pending` until it goes out, then `sent`, `skipped` or `failed`."
    ),
)
def list_sends(request, appointment_id: UUID):
    appointment = find_appointment(request.org, appointment_id)
    sends = DueSend.objects.filter(appointment=appointment).order_by("due_at", "id")
    items = [
        {
            "auto_message_id": due.auto_message_id,
            "due_at": due.due_at,
            "status": due.status,
            "delivery_id": due.delivery_id,
            "reason": due.reason,
        }
        for due in sends
    ]
    return {"items": items, "count": len(items)}
