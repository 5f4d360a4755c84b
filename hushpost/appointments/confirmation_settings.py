"""Changing how an organization's contacts confirm: checked, saved, logged.

The staff page and the API both save through `save_confirmation_settings`,
so they refuse the same things: a word Twilio keeps for itself, a word in
both lists, an answer template that names a field that doesn't exist.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from django.db import transaction

from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.appointments.answer_words import Said, default_words, split_words, word_problems
from hushpost.appointments.models import ConfirmationSettings
from hushpost.appointments.text_answers import check_answer_template
from hushpost.messaging.rendering import TemplateInvalid

MAX_WINDOW_DAYS = 60
TEMPLATES = ("confirmed_answer", "cancel_answer", "late_answer")


class ConfirmationSettingsInvalid(ValueError):
    def __init__(self, problems: dict[str, list[str]]):
        self.problems = problems
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in problems.items()))


@dataclass(frozen=True)
class ConfirmationValues:
    """The settings as staff and the API see them: word lists as lists (the
    built-in ones when the organization has none of its own)."""

    confirm_words: list[str]
    cancel_words: list[str]
    window_days: int
    reminded_only: bool
    cancel_directly: bool
    confirmed_answer: str
    cancel_answer: str
    late_answer: str

    @classmethod
    def of(cls, found: ConfirmationSettings) -> ConfirmationValues:
        return cls(
            confirm_words=split_words(found.confirm_words) or default_words(Said.CONFIRM),
            cancel_words=split_words(found.cancel_words) or default_words(Said.CANT_COME),
            window_days=found.window_days,
            reminded_only=found.reminded_only,
            cancel_directly=found.cancel_directly,
            confirmed_answer=found.confirmed_answer,
            cancel_answer=found.cancel_answer,
            late_answer=found.late_answer,
        )


def problems_in(organization, values: ConfirmationValues) -> dict[str, list[str]]:
    problems = word_problems(values.confirm_words, values.cancel_words)
    lists = {"confirm_words": values.confirm_words, "cancel_words": values.cancel_words}
    for name, words in lists.items():
        if not words:
            problems.setdefault(name, []).append("Give at least one word.")
    if not 1 <= values.window_days <= MAX_WINDOW_DAYS:
        problems.setdefault("window_days", []).append(
            f"Use a number of days from 1 to {MAX_WINDOW_DAYS}."
        )
    for name in TEMPLATES:
        try:
            check_answer_template(organization, getattr(values, name))
        except TemplateInvalid as error:
            problems.setdefault(name, []).extend(str(problem) for problem in error.problems)
    return problems


@transaction.atomic
def save_confirmation_settings(
    organization, values: ConfirmationValues, *, actor=None, actor_label: str = ""
) -> ConfirmationSettings:
    problems = problems_in(organization, values)
    if problems:
        raise ConfirmationSettingsInvalid(problems)
    found = ConfirmationSettings.of(organization)
    before = ConfirmationValues.of(found)
    changed = [
        field.name
        for field in fields(ConfirmationValues)
        if getattr(before, field.name) != getattr(values, field.name)
    ]
    # The built-in lists stay implicit (so they grow with new languages) until an
    # organization changes them.
    for name, said in (("confirm_words", Said.CONFIRM), ("cancel_words", Said.CANT_COME)):
        words = getattr(values, name)
        setattr(found, name, "" if words == default_words(said) else "\n".join(words))
    for name in ("window_days", "reminded_only", "cancel_directly", *TEMPLATES):
        setattr(found, name, getattr(values, name))
    found.save()
    if changed:
        record(
            organization,
            EventKind.SETTINGS_CHANGED,
            actor=actor,
            actor_label=actor_label,
            section="confirmations",
            fields=", ".join(changed),
        )
    return found
