"""/messages: send to contacts (202, a delivery per recipient) and follow the deliveries.

The API's "message" is a Send: one act of sending, rendered into a Message
and a Delivery per recipient by messaging.compose, as the staff compose page does.
"""

from __future__ import annotations

from uuid import UUID

from ninja import Router, Status

from hushpost.api.auth import actor_label
from hushpost.api.bodies import read_body, request_body
from hushpost.api.problems import Invalid, NotFound
from hushpost.api.schemas import MessageCreate, MessageOut, Problem, ValidationProblem
from hushpost.appointments.models import Appointment
from hushpost.appointments.template_fields import EXTRA_FIELDS, as_recipient
from hushpost.contacts.models import Contact
from hushpost.contacts.values import is_pin
from hushpost.delivery.models import Delivery
from hushpost.messaging.compose import (
    MAX_ATTACHMENTS,
    ComposeError,
    NewAttachment,
    deliveries_of,
    send_message,
)
from hushpost.messaging.models import Origin, Send

router = Router(tags=["messages"])

# compose names fields as the staff page does; the API names them as its request does.
FIELD_NAMES = {"recipients": "contact_ids"}


def _delivery_out(delivery: Delivery) -> dict:
    return {
        "id": delivery.id,
        "contact_id": delivery.contact_id,
        "channel": delivery.channel,
        "status": delivery.status,
        "status_label": delivery.status_label,
        "reason": delivery.reason,
    }


def _message_out(send: Send, deliveries: list[Delivery]) -> dict:
    return {
        "id": send.id,
        "channel": send.channel,
        "secure": send.secure,
        "created_at": send.created_at,
        "deliveries": [_delivery_out(delivery) for delivery in deliveries],
    }


def _appointments(organization, appointment_ids: list[UUID]) -> list:
    wanted = list(dict.fromkeys(appointment_ids))
    found = (
        Appointment.objects.for_org(organization).select_related("contact", "staff").in_bulk(wanted)
    )
    unknown = [str(appointment_id) for appointment_id in wanted if appointment_id not in found]
    if unknown:
        raise Invalid([("appointment_ids", f"Unknown appointment ids: {', '.join(unknown)}.")])
    return [as_recipient(found[appointment_id]) for appointment_id in wanted]


def _recipients(organization, contact_ids: list[UUID]) -> list[Contact]:
    wanted = list(dict.fromkeys(contact_ids))  # once each, in the order given
    found = Contact.objects.for_org(organization).in_bulk(wanted)
    # Another organization's contact is reported exactly like an id that never
    # existed: the answer must not tell which ids exist elsewhere.
    unknown = [str(contact_id) for contact_id in wanted if contact_id not in found]
    if unknown:
        raise Invalid([("contact_ids", f"Unknown contact ids: {', '.join(unknown)}.")])
    return [found[contact_id] for contact_id in wanted]


def checked_pin(pin: str, *, secure: bool) -> str:
    pin = pin.strip()
    if pin and not secure:
        raise Invalid(
            [("pin", "A PIN protects secure messages only; send securely or leave it out.")]
        )
    if pin and not is_pin(pin):
        raise Invalid([("pin", "A PIN is letters and digits only, with no spaces or symbols.")])
    return pin


def send(
    request,
    *,
    contacts: list[Contact],
    recipients: list | None = None,
    channel: str,
    secure: bool,
    body: str,
    subject: str,
    pin: str,
    attachments: list[NewAttachment],
    origin: str = Origin.API,
) -> Status:
    """Send through messaging.compose, as the staff pages do; 202 with the deliveries."""
    try:
        result = send_message(
            request.org,
            contacts=contacts,
            recipients=recipients,
            extra_fields=EXTRA_FIELDS if recipients else None,
            channel=channel,
            secure=secure,
            body=body,
            subject=subject,
            pin=pin,
            attachments=attachments,
            actor_label=actor_label(request),
            origin=origin,
        )
    except ComposeError as error:
        raise Invalid(
            (FIELD_NAMES.get(name, name), message)
            for name, messages in error.problems.items()
            for message in messages
        ) from None
    return Status(202, _message_out(result.send, [outcome.delivery for outcome in result.outcomes]))


@router.post(
    "/messages",
    response={
        202: MessageOut,
        400: Problem,
        401: Problem,
        413: Problem,
        415: Problem,
        422: ValidationProblem,
    },
    summary="Send a message",
    openapi_extra=request_body(
        MessageCreate,
        "JSON, or multipart/form-data with the JSON in `payload` and up to "
        f"{MAX_ATTACHMENTS} files in `files` (secure messages and email).",
    ),
)
def create_message(request):
    """Queue a message to each contact; held deliveries say why they were not sent."""
    payload, attachments = read_body(request, MessageCreate)
    pin = checked_pin(payload.pin, secure=payload.secure)
    if not payload.contact_ids and not payload.appointment_ids:
        raise Invalid(
            [("contact_ids", "Give contact_ids or appointment_ids: who the message is for.")]
        )
    return send(
        request,
        contacts=_recipients(request.org, payload.contact_ids),
        recipients=_appointments(request.org, payload.appointment_ids),
        channel=payload.channel,
        secure=payload.secure,
        body=payload.body,
        subject=payload.subject,
        pin=pin,
        attachments=attachments,
    )


@router.get(
    "/messages/{message_id}",
    response={200: MessageOut, 401: Problem, 404: Problem},
    summary="Get a message and its deliveries",
)
def get_message(request, message_id: UUID):
    send = Send.objects.for_org(request.org).filter(pk=message_id).first()
    if send is None:
        raise NotFound("No message with this id.")
    return _message_out(send, list(deliveries_of(send).order_by("created_at", "id")))
