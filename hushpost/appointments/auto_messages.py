"""R3.2: checking, saving, switching and deleting an organization's auto messages.

Every rule lives here so the staff page and the API refuse the same things
with the same words. Templates are checked like Messaging settings (R1.6):
line and column for syntax errors, every field must exist — the message
fields (`user.*`, `contact.*`, `custom.*`) plus `appointment.*`. Saving takes
the lock `field_settings.delete_field` takes, so a custom field can't vanish
between the check and the save of a template naming it; the schedule is
brought up to date (`schedule.sync_auto_message`) in the same transaction.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone
from django.utils.translation import npgettext, pgettext, pgettext_lazy

from hushpost.accounts.models import Organization
from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.appointments.models import Appointment, AutoMessage, DueSend, Timing
from hushpost.contacts.models import Contact
from hushpost.delivery.models import Channel
from hushpost.messaging.compose import MAX_BODY_CHARS
from hushpost.messaging.field_settings import register_template_source
from hushpost.messaging.notification_texts import (
    DEFAULT_LANGUAGE,
    normalized_translations,
    unknown_language_problem,
)
from hushpost.messaging.rendering import FieldSpec, TemplateInvalid, problems_in, render
from hushpost.messaging.secure_settings import Rendered, locked_settings, sample_contact
from hushpost.messaging.template_fields import OrganizationSender, message_context, message_spec

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

ASK_VOICE_ONLY = pgettext_lazy(
    "staff",
    "Only a voice call asks to press 1 or 2; a text or email can use "
    "{{ appointment.confirm_link }}, and a text can be answered with a word.",
)
VOICE_SECURE = pgettext_lazy(
    "staff",
    "Voice calls can't be sent securely: a call reads the message aloud. "
    "Choose text or email, or untick Send securely.",
)
MINUTE, HOUR, DAY = 1, 60, 24 * 60
UNITS = {"minutes": MINUTE, "hours": HOUR, "days": DAY}
MAX_OFFSET_DAYS = 365
MAX_OFFSET_MINUTES = MAX_OFFSET_DAYS * DAY
# Twilio reads at most 4,000 characters of TwiML in one call; leave room for the markup.
MAX_VOICE_CHARS = 3_000
MAX_SUBJECT_CHARS = 500
FIELD_NAMES = (
    "name",
    "channel",
    "timing",
    "offset_minutes",
    "subject",
    "body",
    "enabled",
    "secure",
    "only_unconfirmed",
    "ask_to_confirm",
    "translations",
)


@dataclass(frozen=True)
class AutoMessageValues:
    """One auto message as typed (staff page) or sent (API)."""

    channel: str
    timing: str
    offset_minutes: int
    body: str
    subject: str = ""
    enabled: bool = True
    secure: bool = False
    name: str = ""
    only_unconfirmed: bool = False
    ask_to_confirm: bool = False
    # {"es": {"subject": …, "body": …}}: the message for contacts of that language.
    translations: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def of(cls, auto: AutoMessage) -> AutoMessageValues:
        return cls(
            channel=auto.channel,
            timing=auto.timing,
            offset_minutes=auto.offset_minutes,
            body=auto.body,
            subject=auto.subject,
            enabled=auto.enabled,
            secure=auto.secure,
            name=auto.name,
            only_unconfirmed=auto.only_unconfirmed,
            ask_to_confirm=auto.ask_to_confirm,
            translations=normalized_translations(auto.translations),
        )

    def normalized(self) -> AutoMessageValues:
        body = (self.body or "").replace("\r\n", "\n").replace("\r", "\n").strip()
        # Only email has a subject; a text or a call would silently drop it.
        subject = (self.subject or "").strip() if self.channel == Channel.EMAIL else ""
        translations = normalized_translations(self.translations)
        if self.channel != Channel.EMAIL:
            translations = {
                code: {**variant, "subject": ""}
                for code, variant in translations.items()
                if variant["body"]
            }
        return replace(
            self,
            body=body,
            subject=subject,
            name=(self.name or "").strip(),
            enabled=bool(self.enabled),
            secure=bool(self.secure),
            only_unconfirmed=bool(self.only_unconfirmed),
            ask_to_confirm=bool(self.ask_to_confirm),
            translations=translations,
        )

    def in_language(self, language: str) -> tuple[AutoMessageValues, str]:
        """The subject and body a contact of `language` gets, and the language they are
        written in (the default is read as English): dates follow it."""
        variant = self.translations.get(language)
        if variant:
            return replace(self, subject=variant["subject"], body=variant["body"]), language
        return self, DEFAULT_LANGUAGE


class AutoMessageInvalid(ValueError):
    def __init__(self, problems: dict[str, list[str]]):
        self.problems = problems
        super().__init__("; ".join(f"{name}: {', '.join(msgs)}" for name, msgs in problems.items()))


# Timing in words and units --------------------------------------------------


def to_minutes(amount: int, unit: str) -> int:
    return int(amount) * UNITS[unit]


def split_offset(minutes: int) -> tuple[int, str]:
    """The largest unit the offset is a whole number of:
    1440 → (1, "days"), 90 → (90, "minutes")."""
    for unit in ("days", "hours"):
        if minutes and minutes % UNITS[unit] == 0:
            return minutes // UNITS[unit], unit
    return minutes, "minutes"


# Staff read these in their language (the "staff" context: only the staff app shows them).
def offset_words(minutes: int) -> str:
    days, rest = divmod(minutes, DAY)
    hours, mins = divmod(rest, HOUR)
    parts = []
    if days:
        parts.append(npgettext("staff", "%(n)d day", "%(n)d days", days) % {"n": days})
    if hours:
        parts.append(npgettext("staff", "%(n)d hour", "%(n)d hours", hours) % {"n": hours})
    if mins:
        parts.append(npgettext("staff", "%(n)d minute", "%(n)d minutes", mins) % {"n": mins})
    return " ".join(parts)


def describe_timing(timing: str, offset_minutes: int) -> str:
    """ "when booked", "1 day before the start", "at the end" …"""
    if timing == Timing.BOOKED:
        return pgettext("staff", "when booked")
    before = timing == Timing.BEFORE_START
    if not offset_minutes:
        return pgettext("staff", "at the start") if before else pgettext("staff", "at the end")
    offset = {"offset": offset_words(offset_minutes)}
    if before:
        return pgettext("staff", "%(offset)s before the start") % offset
    return pgettext("staff", "%(offset)s after the end") % offset


# What goes out, with its article: (plain, secure).
CHANNEL_NOUNS: dict[str, tuple[StrOrPromise, StrOrPromise]] = {
    Channel.SMS: (
        pgettext_lazy("staff", "A text message"),
        pgettext_lazy("staff", "A secure text message"),
    ),
    Channel.EMAIL: (pgettext_lazy("staff", "An email"), pgettext_lazy("staff", "A secure email")),
    Channel.VOICE: (pgettext_lazy("staff", "A voice call"), pgettext_lazy("staff", "A voice call")),
}


def in_words(auto: AutoMessage) -> str:
    """ "A secure text message 1 day before the start", "An email when booked"."""
    nouns = CHANNEL_NOUNS.get(auto.channel, (auto.channel, auto.channel))
    noun = nouns[1] if auto.secure else nouns[0]
    timing = describe_timing(auto.timing, auto.offset_minutes)
    return f"{noun} {timing}"


def label(auto: AutoMessage) -> str:
    """How staff recognise one: its name, or its channel and timing ("Text message 1
    day before the start")."""
    return (
        auto.name
        or f"{auto.get_channel_display()} {describe_timing(auto.timing, auto.offset_minutes)}"
    )


def labels_for_sends(send_ids) -> dict:
    """Which auto message made each of these sends, by send id, as staff name it:
    the thread says "Automated · Reminder 1 day before", not a person's name."""
    rows = DueSend.objects.filter(send_id__in=[i for i in send_ids if i]).select_related(
        "auto_message"
    )
    return {row.send_id: label(row.auto_message) for row in rows}


# Checks ---------------------------------------------------------------------


def template_spec(organization: Organization) -> FieldSpec:
    """The fields an auto message may name: the message's own and the appointment's."""
    from hushpost.appointments.template_fields import APPOINTMENT_FIELDS

    base = message_spec(organization)
    return FieldSpec(
        objects={**base.objects, "appointment": frozenset(APPOINTMENT_FIELDS)}, scalars=base.scalars
    )


def subject_problems(spec: FieldSpec, values: AutoMessageValues) -> list[str]:
    if values.channel != Channel.EMAIL:
        return []
    if not values.subject:
        if values.secure:
            return []  # a secure email's subject is the notification subject of Messaging settings
        return [pgettext("staff", "An email needs a subject.")]
    if "\n" in values.subject:
        return [pgettext("staff", "The subject is a single line.")]
    if len(values.subject) > MAX_SUBJECT_CHARS:
        return [
            pgettext("staff", "A subject is at most %(limit)s characters.")
            % {"limit": MAX_SUBJECT_CHARS}
        ]
    return [str(p) for p in problems_in(values.subject, spec)]


def body_problems(spec: FieldSpec, values: AutoMessageValues) -> list[str]:
    if not values.body:
        return [pgettext("staff", "Write the message.")]
    limit = MAX_VOICE_CHARS if values.channel == Channel.VOICE else MAX_BODY_CHARS
    if len(values.body) > limit:
        if values.channel == Channel.VOICE:
            too_long = pgettext("staff", "A message read aloud is at most %(limit)s characters.")
        else:
            too_long = pgettext("staff", "A message is at most %(limit)s characters.")
        return [too_long % {"limit": f"{limit:,}"}]
    return [str(p) for p in problems_in(values.body, spec)]


def timing_problems(values: AutoMessageValues) -> dict[str, list[str]]:
    if values.timing not in Timing.values:
        return {
            "timing": [
                pgettext(
                    "staff",
                    "Choose when it goes out: when booked, before the start or after the end.",
                )
            ]
        }
    offset = values.offset_minutes
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        return {
            "offset_minutes": [pgettext("staff", "Give the time as a whole number, 0 or more.")]
        }
    if values.timing == Timing.BOOKED and offset:
        return {
            "offset_minutes": [
                pgettext(
                    "staff", "A message sent when booked goes out at once: leave the time at 0."
                )
            ]
        }
    if offset > MAX_OFFSET_MINUTES:
        return {"offset_minutes": [f"At most {MAX_OFFSET_DAYS} days before or after."]}
    return {}


def check(organization: Organization, values: AutoMessageValues) -> dict[str, list[str]]:
    """What is wrong with each field; empty when the auto message can be saved."""
    values = values.normalized()
    problems: dict[str, list[str]] = {}
    if values.channel not in Channel.values:
        problems["channel"] = [pgettext("staff", "Choose text, email or voice call.")]
    if values.secure and values.channel == Channel.VOICE:
        problems["secure"] = [str(VOICE_SECURE)]
    if values.ask_to_confirm and values.channel != Channel.VOICE:
        problems["ask_to_confirm"] = [str(ASK_VOICE_ONLY)]
    if len(values.name) > 100:
        problems["name"] = [pgettext("staff", "A name is at most 100 characters.")]
    problems.update(timing_problems(values))
    spec = template_spec(organization)
    for name, found in (
        ("subject", subject_problems(spec, values)),
        ("body", body_problems(spec, values)),
    ):
        if found:
            problems[name] = found
    for code in values.translations:
        unknown = unknown_language_problem(code)
        if unknown:
            problems[f"translations.{code}"] = [unknown]
            continue
        variant, _language = values.in_language(code)
        for name, found in (
            ("subject", subject_problems(spec, variant)),
            ("body", body_problems(spec, variant)),
        ):
            if found:
                problems[f"translations.{code}.{name}"] = found
    return problems


# Changes --------------------------------------------------------------------


def _sync(auto: AutoMessage) -> None:
    from hushpost.appointments.schedule import sync_auto_message

    sync_auto_message(auto)


def _apply(auto: AutoMessage, values: AutoMessageValues) -> None:
    for name in FIELD_NAMES:
        setattr(auto, name, getattr(values, name))


@transaction.atomic
def create_auto_message(
    organization: Organization, actor, values: AutoMessageValues, *, actor_label: str = ""
) -> AutoMessage:
    values = values.normalized()
    locked_settings(organization)
    problems = check(organization, values)
    if problems:
        raise AutoMessageInvalid(problems)
    auto = AutoMessage(organization=organization)
    _apply(auto, values)
    auto.save()
    _sync(auto)
    # Names only: templates stay out of the log.
    record(
        organization,
        EventKind.SETTINGS_CHANGED,
        actor=actor,
        actor_label=actor_label,
        section="auto messages",
        auto_message=auto.pk,
        change="created",
        fields=", ".join(FIELD_NAMES),
    )
    return auto


@transaction.atomic
def update_auto_message(
    auto: AutoMessage, actor, values: AutoMessageValues, *, actor_label: str = ""
) -> list[str]:
    """Save every field or none; returns the names of those that changed."""
    values = values.normalized()
    locked_settings(auto.organization)
    auto = AutoMessage.objects.select_for_update().get(pk=auto.pk)
    problems = check(auto.organization, values)
    if problems:
        raise AutoMessageInvalid(problems)
    before = AutoMessageValues.of(auto)
    changed = [name for name in FIELD_NAMES if getattr(before, name) != getattr(values, name)]
    if not changed:
        return []
    _apply(auto, values)
    auto.save()
    _sync(auto)
    record(
        auto.organization,
        EventKind.SETTINGS_CHANGED,
        actor=actor,
        actor_label=actor_label,
        section="auto messages",
        auto_message=auto.pk,
        change="updated",
        fields=", ".join(changed),
    )
    return changed


@transaction.atomic
def set_enabled(auto: AutoMessage, actor, enabled: bool, *, actor_label: str = "") -> bool:
    """Switch on or off; True when that changed anything."""
    auto = AutoMessage.objects.select_for_update().get(pk=auto.pk)
    if auto.enabled == enabled:
        return False
    auto.enabled = enabled
    auto.save(update_fields=["enabled", "updated_at"])
    _sync(auto)
    record(
        auto.organization,
        EventKind.SETTINGS_CHANGED,
        actor=actor,
        actor_label=actor_label,
        section="auto messages",
        auto_message=auto.pk,
        change="switched on" if enabled else "switched off",
        fields="enabled",
    )
    return True


@transaction.atomic
def delete_auto_message(auto: AutoMessage, actor, *, actor_label: str = "") -> None:
    """Remove it; its pending sends go with it (done ones keep their deliveries)."""
    pk = auto.pk
    auto.delete()
    record(
        auto.organization,
        EventKind.SETTINGS_CHANGED,
        actor=actor,
        actor_label=actor_label,
        section="auto messages",
        auto_message=pk,
        change="deleted",
        fields="",
    )


@register_template_source
def _auto_message_templates(organization: Organization):
    for auto in AutoMessage.objects.for_org(organization):
        where = f"the auto message “{label(auto)}”"
        yield f"{where} (subject)", auto.subject
        yield where, auto.body
        for code, variant in (auto.translations or {}).items():
            for part, text in variant.items():
                yield f"{where} ({code}, {part})", text


# The preview ----------------------------------------------------------------


@dataclass(frozen=True)
class Preview:
    contact: Contact
    sample_contact: bool
    appointment: Appointment
    sample_appointment: bool
    subject: Rendered
    body: Rendered
    notes: list[str] = field(default_factory=list)


def preview_appointment(
    organization: Organization, contact: Contact, user
) -> tuple[Appointment, bool]:
    """The contact's next appointment, or a made-up one tomorrow at 9:30 (never saved)."""
    if contact.pk:
        upcoming = (
            Appointment.objects.for_org(organization)
            .filter(contact=contact, start__gte=timezone.now())
            .select_related("staff", "contact")
            .order_by("start")
            .first()
        )
        if upcoming is not None:
            return upcoming, False
    zone = timezone.get_current_timezone()
    tomorrow = timezone.localdate(timezone=zone) + datetime.timedelta(days=1)
    start = datetime.datetime.combine(tomorrow, datetime.time(9, 30), tzinfo=zone)
    staff = user if getattr(user, "pk", None) else None
    return Appointment(
        organization=organization,
        contact=contact,
        start=start,
        end=start + datetime.timedelta(minutes=30),
        title="Check-up",
        location="Main Street clinic",
        staff=staff,
    ), True


def preview(
    organization: Organization, user, values: AutoMessageValues, contact: Contact | None
) -> Preview:
    """The auto message as `contact` would get it, for their next
    appointment, with unsaved values."""
    from hushpost.appointments.template_fields import appointment_context

    values = values.normalized()
    is_sample = contact is None
    contact = sample_contact(organization) if contact is None else contact
    appointment, sample_appt = preview_appointment(organization, contact, user)
    sender = user if getattr(user, "pk", None) else OrganizationSender(organization)
    if appointment.staff_id and not sample_appt:
        sender = appointment.staff
    # What this contact would get: their language's text, if one is typed.
    values, language = values.in_language(contact.language)
    context = {
        **message_context(sender, contact, language=language),
        **appointment_context(appointment, language),
    }
    spec = template_spec(organization)
    notes = []
    if values.secure and values.channel != Channel.VOICE:
        notes.append(
            "Sent securely: the contact gets the notification from Messaging settings, "
            "and reads this message after opening their link."
        )
    return Preview(
        contact=contact,
        sample_contact=is_sample,
        appointment=appointment,
        sample_appointment=sample_appt,
        subject=_render(values.subject, subject_problems(spec, values), context),
        body=_render(values.body, body_problems(spec, values), context),
        notes=notes,
    )


def _render(source: str, problems: list[str], context: dict) -> Rendered:
    if problems:
        return Rendered(problems=problems)
    if not source:
        return Rendered(text="")
    try:
        return Rendered(text=render(source, context))
    except TemplateInvalid as error:
        return Rendered(problems=[str(p) for p in error.problems])
