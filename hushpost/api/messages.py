"""/messages: send to contacts and follow the deliveries.

The API's "message" is a Send: one act of sending, rendered into a Message
and a Delivery per recipient by messaging.compose, as the staff compose page does.
A send to at most 100 recipients is made inside the request and answers with
every delivery; a larger one (up to 100,000) is accepted at once and fanned
out in the background (messaging.fan_out), its progress in `status` and `counts`.
"""

from __future__ import annotations

import hashlib
import json
from uuid import UUID

from ninja import Query, Router, Status

from hushpost.api.auth import actor_label
from hushpost.api.bodies import read_body, request_body
from hushpost.api.paging import Cursor, Keyset, Limit, Offset, cursor_page
from hushpost.api.problems import Invalid, NotFound
from hushpost.api.schemas import (
    DeliveryList,
    MessageCreate,
    MessageOut,
    Problem,
    ValidationProblem,
)
from hushpost.appointments.audience import appointments_by_id, appointments_on
from hushpost.contacts.models import Contact
from hushpost.contacts.values import is_pin
from hushpost.delivery.models import Delivery, DeliveryStatus
from hushpost.messaging import audience as audiences
from hushpost.messaging.audience import Audience, AudienceError
from hushpost.messaging.compose import (
    MAX_ATTACHMENTS,
    AlreadySent,
    ComposeError,
    NewAttachment,
    RequestKey,
    deliveries_of,
    send_message,
)
from hushpost.messaging.fan_out import INLINE_LIMIT, queue_send
from hushpost.messaging.models import Origin, Send
from hushpost.messaging.progress import progress_of

router = Router(tags=["messages"])

# compose names fields as the staff page does; the API names them as its request does.
FIELD_NAMES = {"recipients": "contact_ids"}
DELIVERY_ORDER = Keyset("send-deliveries", ("created_at", "id"))
IDEMPOTENCY_HEADER = "Idempotency-Key"
MAX_KEY_CHARS = 200
KEY_REUSED = (
    "This Idempotency-Key was used for a different request; "
    "use a new key for a new message, or send the same request again."
)


def _delivery_out(delivery: Delivery) -> dict:
    return {
        "id": delivery.id,
        "contact_id": delivery.contact_id,
        "channel": delivery.channel,
        "status": delivery.status,
        "status_label": delivery.status_label,
        "reason": delivery.reason,
    }


def _message_out(send: Send, deliveries: list[Delivery] | None = None) -> dict:
    progress = progress_of(send)
    if deliveries is None and send.recipients <= INLINE_LIMIT:
        deliveries = list(deliveries_of(send).order_by("created_at", "id"))
    return {
        "id": send.id,
        "channel": send.channel,
        "secure": send.secure,
        "created_at": send.created_at,
        "status": progress.status,
        "recipients": send.recipients,
        "counts": progress.counts,
        "deliveries": None
        if deliveries is None
        else [_delivery_out(delivery) for delivery in deliveries],
    }


def _audience(organization, payload: MessageCreate) -> Audience:
    """Who the send is for: ids or one filter, never both."""
    chosen = [
        name
        for name, given in (
            ("contact_ids", payload.contact_ids),
            ("appointment_ids", payload.appointment_ids),
            ("filter", payload.filter),
        )
        if given
    ]
    if not chosen:
        raise Invalid(
            [
                (
                    "contact_ids",
                    "Give contact_ids, appointment_ids or a filter: who the message is for.",
                )
            ]
        )
    if len(chosen) > 1:
        raise Invalid([(chosen[1], f"Give {' or '.join(chosen)}, not more than one.")])
    try:
        if payload.contact_ids:
            return audiences.contacts_by_id(organization, payload.contact_ids)
        if payload.appointment_ids:
            return appointments_by_id(organization, payload.appointment_ids)
        return _filtered(organization, payload)
    except AudienceError as error:
        raise Invalid([(error.field, str(error))]) from None


def _filtered(organization, payload: MessageCreate) -> Audience:
    rule = payload.filter
    assert rule is not None
    given = [
        name
        for name, value in (
            ("all_contacts", rule.all_contacts),
            ("custom", rule.custom),
            ("appointments_on", rule.appointments_on),
        )
        if value
    ]
    if len(given) != 1:
        raise Invalid([("filter", "Give exactly one of all_contacts, custom or appointments_on.")])
    if rule.all_contacts:
        return audiences.all_contacts(organization)
    if rule.custom:
        return audiences.contacts_where(
            organization, {key: str(value) for key, value in rule.custom.items()}
        )
    assert rule.appointments_on is not None
    return appointments_on(organization, rule.appointments_on)


def _request_key(request, payload: MessageCreate, attachments: list[NewAttachment]):
    """The Idempotency-Key with a digest of what was asked, or None without the header."""
    key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
    if not key:
        return None
    if len(key) > MAX_KEY_CHARS:
        raise Invalid([(IDEMPOTENCY_HEADER, f"At most {MAX_KEY_CHARS} characters.")])
    digest = hashlib.sha256(
        json.dumps(
            {
                "payload": payload.model_dump(mode="json"),
                "files": [
                    [item.file_name, item.content_type, hashlib.sha256(item.data).hexdigest()]
                    for item in attachments
                ],
            },
            sort_keys=True,
        ).encode()
    ).hexdigest()
    return RequestKey(key=key, digest=digest, api_key=request.api_key)


def _replay(request, request_key: RequestKey | None, send: Send | None = None) -> Status | None:
    """The send an earlier request with this key made (200), or 422 if it asked otherwise."""
    if request_key is None:
        return None
    send = send or (
        Send.objects.for_org(request.org)
        .filter(api_key=request.api_key, request_key=request_key.key)
        .first()
    )
    if send is None:
        return None
    if send.request_digest != request_key.digest:
        raise Invalid([(IDEMPOTENCY_HEADER, KEY_REUSED)])
    return Status(200, _message_out(send))


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
    contacts: list[Contact] | None = None,
    recipients: list | None = None,
    extra_fields: dict[str, frozenset[str]] | None = None,
    channel: str,
    secure: bool,
    body: str,
    subject: str,
    pin: str,
    attachments: list[NewAttachment],
    origin: str = Origin.API,
    request_key: RequestKey | None = None,
) -> Status:
    """Send through messaging.compose, as the staff pages do; 202 with the deliveries."""
    try:
        result = send_message(
            request.org,
            contacts=contacts,
            recipients=recipients,
            extra_fields=extra_fields,
            channel=channel,
            secure=secure,
            body=body,
            subject=subject,
            pin=pin,
            attachments=attachments,
            actor_label=actor_label(request),
            origin=origin,
            request_key=request_key,
        )
    except ComposeError as error:
        raise _refused(error) from None
    except AlreadySent as already:
        return _replay(request, request_key, already.send)  # type: ignore[return-value]
    return Status(202, _message_out(result.send, [outcome.delivery for outcome in result.outcomes]))


def _refused(error: ComposeError) -> Invalid:
    return Invalid(
        (FIELD_NAMES.get(name, name), message)
        for name, messages in error.problems.items()
        for message in messages
    )


@router.post(
    "/messages",
    response={
        200: MessageOut,
        202: MessageOut,
        400: Problem,
        401: Problem,
        413: Problem,
        415: Problem,
        422: ValidationProblem,
    },
    summary="Send a message",
    openapi_extra={
        **request_body(
            MessageCreate,
            "JSON, or multipart/form-data with the JSON in `payload` and up to "
            f"{MAX_ATTACHMENTS} files in `files` (secure messages and email).",
        ),
        "parameters": [
            {
                "in": "header",
                "name": IDEMPOTENCY_HEADER,
                "required": False,
                "schema": {"type": "string", "maxLength": MAX_KEY_CHARS},
                "description": (
                    "Any unique string: a retry with the same key returns the same message "
                    "(200) instead of sending again; the same key with a different request "
                    "is a 422. Kept per API key for as long as the message is."
                ),
            }
        ],
    },
)
def create_message(request):
    """Queue a message to each recipient; held deliveries say why they were not sent."""
    payload, attachments = read_body(request, MessageCreate)
    request_key = _request_key(request, payload, attachments)
    if (replayed := _replay(request, request_key)) is not None:
        return replayed
    pin = checked_pin(payload.pin, secure=payload.secure)
    audience = _audience(request.org, payload)
    common = {
        "channel": payload.channel,
        "secure": payload.secure,
        "body": payload.body,
        "subject": payload.subject,
        "pin": pin,
        "attachments": attachments,
    }
    if len(audience) <= INLINE_LIMIT:
        return send(
            request,
            recipients=audiences.load(request.org, audience.kind, audience.ids),
            extra_fields=audiences.extra_fields_of(audience.kind),
            request_key=request_key,
            **common,
        )
    try:
        queued = queue_send(
            request.org,
            audience,
            actor_label=actor_label(request),
            origin=Origin.API,
            request_key=request_key,
            **common,
        )
    except ComposeError as error:
        raise _refused(error) from None
    except AlreadySent as already:
        return _replay(request, request_key, already.send)
    return Status(202, _message_out(queued))


@router.get(
    "/messages/{message_id}",
    response={200: MessageOut, 401: Problem, 404: Problem},
    summary="Get a message, its progress and (for up to 100 recipients) its deliveries",
)
def get_message(request, message_id: UUID):
    return _message_out(_find(request, message_id))


@router.get(
    "/messages/{message_id}/deliveries",
    response={200: DeliveryList, 401: Problem, 404: Problem, 422: ValidationProblem},
    summary="List a message's deliveries",
    description="Every recipient's delivery, in the order they were made; page with `cursor`.",
)
def list_deliveries(
    request,
    message_id: UUID,
    status: DeliveryStatus | None = Query(None, description="Only deliveries in this status."),
    limit: int = Limit(),
    offset: int = Offset(),
    cursor: str | None = Cursor(),
):
    deliveries = deliveries_of(_find(request, message_id))
    if status:
        deliveries = deliveries.filter(status=status)
    items, count, next_cursor = cursor_page(
        deliveries, DELIVERY_ORDER, limit=limit, offset=offset, cursor=cursor
    )
    return {
        "items": [_delivery_out(delivery) for delivery in items],
        "count": count,
        "next_cursor": next_cursor,
    }


def _find(request, message_id: UUID) -> Send:
    send = Send.objects.for_org(request.org).filter(pk=message_id).first()
    if send is None:
        raise NotFound("No message with this id.")
    return send
