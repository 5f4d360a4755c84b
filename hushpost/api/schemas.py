"""Request and response shapes of the REST API (ARCHITECTURE.md, "API contract")."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal
from uuid import UUID

from ninja import Field, Schema
from pydantic import AfterValidator, WithJsonSchema

from hushpost.activity.models import EventKind

# Custom field values arrive as text or numbers; they are stored (and returned)
# as text, numbers canonical and dates as YYYY-MM-DD. null or "" clears one.
# Checked by the handler, not pydantic: pydantic would quietly read true as 1.
CustomValue = Annotated[
    Any, WithJsonSchema({"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "null"}]})
]


# Real UTC offsets run from -12:00 to +14:00. Wider ones (Python allows ±23:59)
# and instants outside years 1-9999 in UTC are refused by PostgreSQL: a 500.
MAX_UTC_OFFSET = timedelta(hours=14)


def _storable_instant(value: datetime) -> datetime:
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        raise ValueError("the UTC offset must be between -14:00 and +14:00")
    try:
        value.astimezone(UTC) if offset is not None else value
    except OverflowError:
        raise ValueError("the date must fall between the years 1 and 9999 in UTC") from None
    return value


Instant = Annotated[datetime, AfterValidator(_storable_instant)]


# Problems ---------------------------------------------------------------------


# A parameter that may be left out: None at run time, and its declared type to mypy.
NOT_SENT: Any = None


def omittable(**constraints: Any) -> Any:
    """A PATCH field that may be left out, but when sent must hold a value of its type
    (null is refused): the default only marks it unsent, for model_dump(exclude_unset=True)."""
    return Field(None, **constraints)


class Problem(Schema):
    """RFC 9457 problem details."""

    type: str = Field(..., examples=["about:blank"])
    title: str = Field(..., examples=["Not Found"])
    status: int = Field(..., examples=[404])
    detail: str = Field(..., examples=["No contact with this id."])


class FieldProblem(Schema):
    field: str = Field(..., examples=["phone"])
    message: str = Field(
        ...,
        examples=[
            "“555” is not a valid phone number for US; check the digits or add the country code."
        ],
    )


class ValidationProblem(Problem):
    errors: list[FieldProblem]


# Contacts ---------------------------------------------------------------------


class ContactOut(Schema):
    id: UUID
    name: str
    phone: str = Field(..., description="E.164, such as +14155550123; empty when none.")
    email: str
    time_zone: str = Field(..., description="IANA name; empty means the organization's time zone.")
    language: str
    custom: dict[str, str]
    secure_pin: str = Field(
        ..., description="The contact's own PIN for secure messages; empty when none."
    )
    sms_opt_out: bool
    email_opt_out: bool
    external_id: str = Field(
        ...,
        description="Your system's id for this contact; empty when none. Unique per organization.",
    )


class ContactList(Schema):
    items: list[ContactOut]
    count: int


class ContactCreate(Schema):
    name: str = Field(..., max_length=200)
    phone: str = Field(
        "", max_length=40, description="Any common format; read with the organization's country."
    )
    email: str = Field("", max_length=254)
    time_zone: str = ""
    language: str = "en"
    custom: dict[str, CustomValue] = Field(default_factory=dict)
    secure_pin: str = Field("", max_length=100)
    sms_opt_out: bool = False
    email_opt_out: bool = False
    external_id: str = Field(
        "",
        max_length=255,
        description="Your system's id for this contact; unique per organization.",
    )


class ContactReplace(Schema):
    """PUT replaces the whole contact: every field is required, so none is cleared by omission."""

    name: str = Field(..., max_length=200)
    phone: str = Field(..., max_length=40)
    email: str = Field(..., max_length=254)
    time_zone: str
    language: str
    custom: dict[str, CustomValue]
    secure_pin: str = Field(..., max_length=100)
    sms_opt_out: bool
    email_opt_out: bool
    # Added after PUT existed: left out, the contact keeps its external id.
    external_id: str = omittable(max_length=255, description="Left out: unchanged.")


class ContactPatch(Schema):
    """PATCH changes only the fields sent; `custom` merges key by key."""

    name: str = omittable(max_length=200)
    phone: str = omittable(max_length=40)
    email: str = omittable(max_length=254)
    time_zone: str = omittable()
    language: str = omittable()
    custom: dict[str, CustomValue] = omittable()
    secure_pin: str = omittable(max_length=100)
    sms_opt_out: bool = omittable()
    email_opt_out: bool = omittable()
    external_id: str = omittable(max_length=255)


class ContactUpsert(Schema):
    """PUT by external id: a new contact needs `name` (and a phone or an email); on an
    existing one only the fields sent change, so an opt-out is never undone by omission."""

    name: str = omittable(max_length=200)
    phone: str = omittable(max_length=40)
    email: str = omittable(max_length=254)
    time_zone: str = omittable()
    language: str = omittable()
    custom: dict[str, CustomValue] = omittable()
    secure_pin: str = omittable(max_length=100)
    sms_opt_out: bool = omittable()
    email_opt_out: bool = omittable()


# Secure messaging settings ------------------------------------------------------


class NotificationVariant(Schema):
    subject: str = Field(..., max_length=500, description="Liquid template of the email subject.")
    body: str = Field(
        ..., max_length=10_000, description="Liquid template; must contain {{ secure_link }}."
    )


class SecureSettings(Schema):
    enabled: bool
    subject: str = Field(..., max_length=500, description="Liquid template of the email subject.")
    body: str = Field(
        ..., description="Liquid template of the notification; must contain {{ secure_link }}."
    )
    link_lifetime: Literal["24h", "10d", "6mo", "1y"]
    default_pin: str = Field(
        ...,
        max_length=200,
        description="Letters and digits, a template such as {{ custom.pin }}, or empty for none.",
    )
    translations: dict[str, NotificationVariant] = omittable(
        max_length=20,
        description=(
            "The notification for contacts of each language, keyed by the contact's language "
            '("es", "zh-hans"), each checked like the default. A contact whose language has '
            "none gets the default. Left out: unchanged; {} removes them all."
        ),
        examples=[{"es": {"subject": "Mensaje seguro", "body": "Léalo aquí: {{ secure_link }}"}}],
    )


# Messages -------------------------------------------------------------------------


MAX_SEND_RECIPIENTS = 100_000


class MessageFilter(Schema):
    """Exactly one of these: who among the organization's contacts or appointments."""

    all_contacts: bool = Field(False, description="Every contact of the organization.")
    custom: dict[str, str | int | float] | None = Field(
        None,
        description=(
            "Contacts whose custom fields hold these values, such as "
            '{"clinic": "North"} (not sensitive fields: those are stored encrypted).'
        ),
    )
    appointments_on: date | None = Field(
        None,
        description=(
            "Every appointment on this day (in the organization's time zone) that is not "
            "cancelled, each contact told about their own; the body may use "
            "{{ appointment.* }}."
        ),
    )


class MessageCreate(Schema):
    contact_ids: list[UUID] = Field(default_factory=list, max_length=MAX_SEND_RECIPIENTS)
    appointment_ids: list[UUID] = Field(
        default_factory=list,
        max_length=MAX_SEND_RECIPIENTS,
        description=(
            "Send about these appointments (to their contacts); "
            "the body may use {{ appointment.* }}."
        ),
    )
    filter: MessageFilter | None = Field(
        None, description="Instead of ids: all contacts, contacts by a custom field, or a day."
    )
    channel: Literal["sms", "email", "voice"]
    secure: bool = Field(
        True, description="Send a link to a PIN-protected page instead of the content."
    )
    pin: str = Field("", max_length=100, description="A PIN for this message only (secure sends).")
    subject: str = Field("", max_length=500)
    body: str


DeliveryStatusName = Literal["queued", "sending", "sent", "delivered", "failed", "held"]


class DeliveryOut(Schema):
    id: UUID
    contact_id: UUID
    channel: str
    status: DeliveryStatusName
    status_label: str = Field(
        ...,
        description='The status as staff read it: "Sent to the outbox" (never "delivered") '
        "when the development outbox took it, with no provider configured.",
        examples=["Delivered"],
    )
    reason: str


class DeliveryCounts(Schema):
    queued: int
    sending: int
    sent: int
    delivered: int
    failed: int
    held: int


class MessageOut(Schema):
    id: UUID
    channel: str
    secure: bool
    created_at: datetime
    status: Literal["fanning_out", "queued", "done"] = Field(
        ...,
        description=(
            "fanning_out: deliveries are still being made, in the background; queued: "
            "every recipient has one and some are still queued or sending; done: none is."
        ),
    )
    recipients: int = Field(..., description="How many recipients the send is for.")
    counts: DeliveryCounts = Field(..., description="Deliveries made so far, by status.")
    deliveries: list[DeliveryOut] | None = Field(
        ...,
        description=(
            "Every delivery, for sends to at most 100 recipients; null for larger ones "
            "(page through GET /messages/{id}/deliveries)."
        ),
    )


class DeliveryList(Schema):
    items: list[DeliveryOut]
    count: int
    next_cursor: str | None


# Conversations ----------------------------------------------------------------------


class AttachmentOut(Schema):
    id: UUID
    file_name: str
    content_type: str
    size: int


class ConversationMessage(Schema):
    id: UUID
    direction: Literal["outbound", "inbound"]
    body: str
    created_at: datetime
    attachments: list[AttachmentOut]


class Conversation(Schema):
    items: list[ConversationMessage]
    count: int


class ConversationSummary(Schema):
    """A conversation as the inbox lists it."""

    contact_id: UUID
    contact_name: str
    unread: int = Field(..., description="Replies no one has read yet.")
    last_message_at: datetime | None = Field(
        ..., description="When the latest message went or came; null when there is none."
    )
    last_direction: Literal["outbound", "inbound"] | None = Field(
        ..., description="Which way the latest message went; null when none is left."
    )
    assigned_to: str | None = Field(
        ..., description="The staff email that hears about replies; null when no one."
    )


class ConversationList(Schema):
    items: list[ConversationSummary]
    count: int
    next_cursor: str | None = Field(
        ..., description="Pass as `cursor` for the next page; null on the last page."
    )


class ReplyCreate(Schema):
    channel: Literal["sms", "email", "voice"] = Field(
        ..., description="How the contact is told: a text or an email with the secure link."
    )
    body: str
    secure: bool = Field(
        True, description="Send a link to a PIN-protected page instead of the content."
    )
    pin: str = Field("", max_length=100, description="A PIN for this message only (secure sends).")
    subject: str = Field("", max_length=500, description="For email; required when not secure.")


# Events -----------------------------------------------------------------------------


class EventOut(Schema):
    id: int
    kind: EventKind
    created_at: datetime
    contact_id: UUID | None
    message_id: UUID | None
    delivery_id: UUID | None
    link_id: UUID | None = Field(
        None, description="The secure link it concerns; POST /links/{link_id}/revoke ends it."
    )
    actor: str = Field(
        ..., description="Who acted: a staff email, “contact”, “system” or “api: <key name>”."
    )
    detail: dict[str, Any] = Field(
        ..., description="Short facts (ids, counts, field names); never content."
    )


class EventList(Schema):
    items: list[EventOut]
    count: int
    next_cursor: str | None = Field(
        ..., description="Pass as `cursor` for the next page; null on the last page."
    )
