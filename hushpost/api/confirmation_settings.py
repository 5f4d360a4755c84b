"""/settings/confirmations: how contacts confirm or say they can't come, checked
exactly as the staff page checks it."""

from __future__ import annotations

from dataclasses import asdict

from ninja import Field, Router, Schema

from hushpost.api.auth import actor_label
from hushpost.api.problems import Invalid
from hushpost.api.schemas import Problem, ValidationProblem
from hushpost.appointments.confirmation_settings import (
    MAX_WINDOW_DAYS,
    ConfirmationSettingsInvalid,
    ConfirmationValues,
    save_confirmation_settings,
)
from hushpost.appointments.models import ConfirmationSettings

router = Router(tags=["settings"])


class Confirmations(Schema):
    confirm_words: list[str] = Field(
        ...,
        max_length=200,
        description=(
            "Texts that confirm (case, spaces, punctuation and accents ignored). "
            "Never one of Twilio's own keywords (STOP, CANCEL, HELP, START…)."
        ),
    )
    cancel_words: list[str] = Field(..., max_length=200, description="Texts that say “can't come”.")
    window_days: int = Field(
        ...,
        description=(
            f"A text answers the next appointment within this many days (1–{MAX_WINDOW_DAYS})."
        ),
    )
    reminded_only: bool = Field(
        ..., description="Only an appointment a reminder went out for takes a text answer."
    )
    cancel_directly: bool = Field(
        ..., description="“Can't come” cancels at once instead of waiting for a person."
    )
    confirmed_answer: str = Field(
        ...,
        max_length=1000,
        description="Liquid: the answer to a confirmation (contact.*, appointment.*).",
    )
    cancel_answer: str = Field(
        ..., max_length=1000, description="Liquid: the answer to “can't come”."
    )
    late_answer: str = Field(
        ..., max_length=1000, description="Liquid: the answer once the appointment has started."
    )


@router.get(
    "/settings/confirmations",
    response={200: Confirmations, 401: Problem},
    summary="Get how contacts confirm appointments",
)
def get_confirmations(request):
    return asdict(ConfirmationValues.of(ConfirmationSettings.of(request.org)))


@router.put(
    "/settings/confirmations",
    response={200: Confirmations, 401: Problem, 422: ValidationProblem},
    summary="Replace how contacts confirm appointments",
)
def put_confirmations(request, payload: Confirmations):
    """Everything is saved together or not at all."""
    values = ConfirmationValues(**payload.model_dump())
    try:
        saved = save_confirmation_settings(request.org, values, actor_label=actor_label(request))
    except ConfirmationSettingsInvalid as error:
        raise Invalid(
            (name, message) for name, messages in error.problems.items() for message in messages
        ) from None
    return asdict(ConfirmationValues.of(saved))
