"""A text such as "C" or "N" as the answer to a reminder (registered with
messaging.inbound, which asks before filing a text as a reply).

Which appointment: the sender's next one (any contact with that number)
starting within the organization's window — 7 days by default — and, by
default, one a reminder went out for. Never a guess: two such appointments
on that day, none at all, or anything but one of the words leaves the text a
reply in the Inbox, as before. An answer after the start gets a polite "too
late" and is filed as a reply, so a person sees it.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import translation

from hushpost.activity.models import Event, EventKind
from hushpost.appointments.answer_words import Said, meaning, split_words
from hushpost.appointments.answers import Outcome, answer
from hushpost.appointments.models import (
    SHIPPED_ANSWERS,
    AnswerChannel,
    Appointment,
    AppointmentStatus,
    ConfirmationSettings,
    DueSendStatus,
)
from hushpost.appointments.template_fields import APPOINTMENT_FIELDS, appointment_context
from hushpost.messaging.inbound import IncomingText, Reading
from hushpost.messaging.notification_texts import DEFAULT_LANGUAGE
from hushpost.messaging.rendering import FieldSpec, render, validate
from hushpost.messaging.template_fields import contact_context

# How long after its start an answer still gets the polite refusal (later, it is just a reply).
LATE_FOR = timedelta(hours=12)


def answer_spec(organization) -> FieldSpec:
    from hushpost.messaging.template_fields import contact_spec

    base = contact_spec(organization)
    return FieldSpec(objects={**base.objects, "appointment": APPOINTMENT_FIELDS})


def check_answer_template(organization, source: str) -> None:
    """Raises TemplateInvalid, as every template does when it is saved."""
    validate(source, answer_spec(organization))


def answer_text(source: str, appointment: Appointment) -> str:
    """The answer texted back. Our shipped wording goes out in the contact's language;
    an organization's own is sent as written, read as English, and so are its dates
    (never a weekday in another language inside the sentence)."""
    if not source.strip():
        return ""
    language = appointment.contact.language or DEFAULT_LANGUAGE
    if source in SHIPPED_ANSWERS:
        with translation.override(language):
            source = translation.gettext(source)
    else:
        language = DEFAULT_LANGUAGE
    context = {
        **contact_context(appointment.contact),
        **appointment_context(appointment, language),
    }
    return " ".join(render(source, context).split())


def _candidates(text: IncomingText, settings: ConfirmationSettings) -> QuerySet[Appointment]:
    found = (
        Appointment.objects.filter(contact__in=list(text.contacts))
        .exclude(status=AppointmentStatus.CANCELLED)
        .select_related("organization", "contact__organization", "staff")
    )
    if settings.reminded_only:
        found = found.filter(due_sends__status=DueSendStatus.SENT).distinct()
    return found.order_by("start", "id")


def read_text(text: IncomingText) -> Reading | None:
    organization = text.contacts[0].organization
    settings = ConfirmationSettings.of(organization)
    said = meaning(
        text.body, split_words(settings.confirm_words), split_words(settings.cancel_words)
    )
    if said is None:
        return None
    if (
        text.sid
        and Event.objects.filter(
            organization=organization,
            kind__in=[EventKind.APPOINTMENT_CONFIRMED, EventKind.APPOINTMENT_CANCEL_REQUESTED],
            detail__provider_id=text.sid,
        ).exists()
    ):
        return Reading("", repeat=True)
    candidates = _candidates(text, settings)
    upcoming = list(
        candidates.filter(
            start__gt=text.now, start__lte=text.now + timedelta(days=settings.window_days)
        )[:2]
    )
    if not upcoming:
        started = candidates.filter(start__lte=text.now, start__gt=text.now - LATE_FOR).last()
        if started is None:
            return None
        return Reading(answer_text(settings.late_answer, started), keep_as_reply=True)
    first = upcoming[0]
    if len(upcoming) > 1 and _same_day(first, upcoming[1]):
        return None
    detail = {"provider_id": text.sid} if text.sid else {}
    answered = answer(first, said, channel=AnswerChannel.SMS, now=text.now, **detail)
    if answered.outcome == Outcome.STARTED:
        return Reading(answer_text(settings.late_answer, answered.appointment), keep_as_reply=True)
    if not answered.taken:
        return None
    if said == Said.CONFIRM:
        return Reading(answer_text(settings.confirmed_answer, answered.appointment))
    # "Can't come" shows in the Inbox's can't-come list and emails the staff member.
    return Reading(answer_text(settings.cancel_answer, answered.appointment))


def _same_day(one: Appointment, other: Appointment) -> bool:
    zone = ZoneInfo(one.organization.time_zone)
    return one.start.astimezone(zone).date() == other.start.astimezone(zone).date()
