"""/auto-messages: the message schedule (R3.2), checked exactly as the staff page checks it."""

from __future__ import annotations

from typing import Literal

from ninja import Field, Router, Schema, Status

from hushpost.accounts.models import Organization
from hushpost.api.auth import actor_label
from hushpost.api.paging import Limit, Offset, page
from hushpost.api.problems import Invalid, NotFound
from hushpost.api.schemas import Problem, ValidationProblem, omittable
from hushpost.appointments.auto_messages import (
    AutoMessageInvalid,
    AutoMessageValues,
    create_auto_message,
    delete_auto_message,
    update_auto_message,
)
from hushpost.appointments.models import AutoMessage

router = Router(tags=["auto messages"])

LIST_ERRORS = {401: Problem, 422: ValidationProblem}
ITEM_ERRORS = {401: Problem, 404: Problem}
CHANGE_ERRORS = {**ITEM_ERRORS, 422: ValidationProblem}


class TimingIn(Schema):
    event: Literal["booked", "before_start", "after_end"]
    offset_minutes: int = Field(
        0,
        ge=0,
        description="Minutes before the start or after the end; 0 when booked. "
        "Whole days count on the organization's local calendar.",
    )


class AutoMessageVariant(Schema):
    subject: str = Field("", max_length=500, description="Email only.")
    body: str


class AutoMessageIn(Schema):
    channel: Literal["sms", "email", "voice"]
    timing: TimingIn
    subject: str = Field(
        "", max_length=500, description="Liquid template of the email subject (email only)."
    )
    body: str = Field(
        ..., description="Liquid template; may use appointment.*, contact.*, custom.*, user.*."
    )
    enabled: bool = True
    secure: bool = Field(
        False, description="Send a link to a PIN-protected page instead (text and email only)."
    )
    only_unconfirmed: bool = Field(
        False,
        description=(
            "Skip appointments the contact has confirmed or said they can't come to, "
            "as they stand when the message is due."
        ),
    )
    ask_to_confirm: bool = Field(
        False,
        description="Voice only: the call ends with “press 1 to confirm, 2 if you can't come”.",
    )
    translations: dict[str, AutoMessageVariant] = omittable(
        max_length=20,
        description=(
            "What contacts of each language get instead, keyed by the contact's language "
            '("es", "zh-hans"), each checked like subject and body; dates in it are written '
            "in that language. Left out: none when adding, unchanged when replacing."
        ),
        examples=[{"es": {"subject": "", "body": "Su cita es {{ appointment.start_date }}."}}],
    )


class AutoMessageOut(AutoMessageIn):
    id: int


class AutoMessageList(Schema):
    items: list[AutoMessageOut]
    count: int


def _out(auto: AutoMessage) -> dict:
    return {
        "id": auto.pk,
        "channel": auto.channel,
        "timing": {"event": auto.timing, "offset_minutes": auto.offset_minutes},
        "subject": auto.subject,
        "body": auto.body,
        "enabled": auto.enabled,
        "secure": auto.secure,
        "only_unconfirmed": auto.only_unconfirmed,
        "ask_to_confirm": auto.ask_to_confirm,
        "translations": auto.translations,
    }


def _values(
    payload: AutoMessageIn, name: str = "", saved: AutoMessage | None = None
) -> AutoMessageValues:
    if "translations" in payload.model_fields_set:
        translations = {code: v.model_dump() for code, v in payload.translations.items()}
    else:
        translations = saved.translations if saved is not None else {}
    return AutoMessageValues(
        channel=payload.channel,
        timing=payload.timing.event,
        offset_minutes=payload.timing.offset_minutes,
        subject=payload.subject,
        body=payload.body,
        enabled=payload.enabled,
        secure=payload.secure,
        only_unconfirmed=payload.only_unconfirmed,
        ask_to_confirm=payload.ask_to_confirm,
        name=name,
        translations=translations,
    )


def _invalid(problems: dict[str, list[str]]) -> Invalid:
    names = {"offset_minutes": "timing.offset_minutes", "timing": "timing.event"}
    return Invalid(
        (names.get(name, name), message)
        for name, messages in problems.items()
        for message in messages
    )


def find_auto_message(organization: Organization, auto_message_id: int) -> AutoMessage:
    auto = AutoMessage.objects.for_org(organization).filter(pk=auto_message_id).first()
    if auto is None:
        raise NotFound("No auto message with this id.")
    return auto


@router.get(
    "/auto-messages", response={200: AutoMessageList, **LIST_ERRORS}, summary="List auto messages"
)
def list_auto_messages(request, limit: int = Limit(), offset: int = Offset()):
    items, count = page(AutoMessage.objects.for_org(request.org), limit, offset)
    return {"items": [_out(auto) for auto in items], "count": count}


@router.post(
    "/auto-messages", response={201: AutoMessageOut, **LIST_ERRORS}, summary="Add an auto message"
)
def create(request, payload: AutoMessageIn):
    try:
        auto = create_auto_message(
            request.org, None, _values(payload), actor_label=actor_label(request)
        )
    except AutoMessageInvalid as error:
        raise _invalid(error.problems) from None
    return Status(201, _out(auto))


@router.get(
    "/auto-messages/{auto_message_id}",
    response={200: AutoMessageOut, **ITEM_ERRORS},
    summary="Get an auto message",
)
def get_auto_message(request, auto_message_id: int):
    return _out(find_auto_message(request.org, auto_message_id))


@router.put(
    "/auto-messages/{auto_message_id}",
    response={200: AutoMessageOut, **CHANGE_ERRORS},
    summary="Replace an auto message",
    description=(
        "Every field is saved or none; "
        "the schedule follows at once (retimed sends move, a switched-off one's go)."
    ),
)
def replace(request, auto_message_id: int, payload: AutoMessageIn):
    auto = find_auto_message(request.org, auto_message_id)
    try:
        update_auto_message(
            auto, None, _values(payload, auto.name, auto), actor_label=actor_label(request)
        )
    except AutoMessageInvalid as error:
        raise _invalid(error.problems) from None
    auto.refresh_from_db()
    return _out(auto)


@router.delete(
    "/auto-messages/{auto_message_id}",
    response={204: None, **ITEM_ERRORS},
    summary="Delete an auto message",
)
def remove(request, auto_message_id: int):
    delete_auto_message(
        find_auto_message(request.org, auto_message_id), None, actor_label=actor_label(request)
    )
    return Status(204, None)
