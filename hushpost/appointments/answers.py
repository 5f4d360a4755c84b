"""A contact's answer to a reminder — "yes" or "I can't come" — from any channel.

Texts, the confirmation link, the secure page and a phone keypress all end
here, so an answer means the same whichever way it came: the appointment
row is locked, the status changes through services.save_appointment (which
logs `appointment_confirmed` / `appointment_cancel_requested` with the
channel), and a "can't come" tells the staff member who has the appointment.
An appointment that has started, or was cancelled, takes no answer.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import pgettext

from hushpost.accounts.models import Role, User
from hushpost.accounts.staff_languages import by_language
from hushpost.appointments.answer_words import Said
from hushpost.appointments.models import (
    AnswerChannel,
    Appointment,
    AppointmentStatus,
    ConfirmationSettings,
    ConfirmedBy,
)
from hushpost.appointments.services import save_appointment
from hushpost.outgoing_email import OutgoingEmail

logger = logging.getLogger(__name__)

CONTACT = "contact"


class Outcome(enum.StrEnum):
    CONFIRMED = "confirmed"
    CANCEL_REQUESTED = "cancel_requested"
    CANCELLED = "cancelled"
    # The same answer again: nothing changes, the contact is thanked again.
    ALREADY = "already"
    # Too late or nothing to answer: nothing changes.
    STARTED = "started"
    CLOSED = "closed"


# What changed something (the rest change nothing).
CHANGED = {Outcome.CONFIRMED, Outcome.CANCEL_REQUESTED, Outcome.CANCELLED}


@dataclass(frozen=True)
class Answered:
    outcome: Outcome
    appointment: Appointment

    @property
    def taken(self) -> bool:
        """The answer stands (now or from before)."""
        return self.outcome not in (Outcome.STARTED, Outcome.CLOSED)


def answer(
    appointment: Appointment,
    said: Said,
    *,
    channel: AnswerChannel,
    now: datetime | None = None,
    **detail: str,
) -> Answered:
    """Record the contact's answer. `detail` (a provider id) goes into the event."""
    now = now or timezone.now()
    with transaction.atomic():
        current = (
            Appointment.objects.select_for_update(no_key=True, of=("self",))
            .select_related("organization", "contact", "staff")
            .get(pk=appointment.pk)
        )
        outcome = _apply(current, said, channel, now, detail)
    if outcome == Outcome.CANCEL_REQUESTED:
        transaction.on_commit(lambda: tell_staff_cant_come(current.pk))
    return Answered(outcome, current)


def _apply(
    appointment: Appointment, said: Said, channel: AnswerChannel, now: datetime, detail
) -> Outcome:
    if appointment.status == AppointmentStatus.CANCELLED:
        return Outcome.CLOSED
    if appointment.start <= now:
        return Outcome.STARTED
    if said == Said.CONFIRM:
        if appointment.confirmed_by_contact:
            return Outcome.ALREADY
        appointment.status = AppointmentStatus.CONFIRMED
        appointment.confirmed_by, appointment.confirmed_at = ConfirmedBy.CONTACT, now
        appointment.answered_via = channel
        _save(appointment, now, detail)
        return Outcome.CONFIRMED
    if appointment.status == AppointmentStatus.CANCEL_REQUESTED:
        return Outcome.ALREADY
    appointment.status, appointment.answered_via = AppointmentStatus.CANCEL_REQUESTED, channel
    _save(appointment, now, detail)
    if not ConfirmationSettings.of(appointment.organization).cancel_directly:
        return Outcome.CANCEL_REQUESTED
    # The answer is logged first (above), then what the organization lets it do.
    appointment.status = AppointmentStatus.CANCELLED
    _save(appointment, now, {**detail, "channel": channel})
    return Outcome.CANCELLED


def _save(appointment: Appointment, now: datetime, detail) -> None:
    save_appointment(
        appointment, actor_label=CONTACT, created=False, changed=["status"], now=now, **detail
    )


def confirm_by_staff(appointment: Appointment, user: User) -> Appointment:
    """A person confirmed for the contact (they called, they said so at the desk)."""
    appointment.status = AppointmentStatus.CONFIRMED
    appointment.confirmed_by, appointment.answered_via = ConfirmedBy.STAFF, AnswerChannel.STAFF
    appointment.confirmed_at = None
    return save_appointment(
        appointment, actor=user, actor_label=user.email, created=False, changed=["status"]
    )


def staff_to_tell(appointment: Appointment) -> list[str]:
    """The appointment's staff member; without one, the organization's owners and admins."""
    if appointment.staff is not None and appointment.staff.is_active:
        return [appointment.staff.email]
    return list(
        User.objects.filter(
            organization_id=appointment.organization_id,
            is_active=True,
            role__in=[Role.OWNER, Role.ADMIN],
        ).values_list("email", flat=True)
    )


def tell_staff_cant_come(appointment_id) -> None:
    """An email that points to the appointment. It names no one: email is not the
    place for who sees whom when."""
    found = Appointment.objects.select_related("organization", "staff")
    appointment = found.filter(pk=appointment_id).first()
    if appointment is None:
        return
    recipients = staff_to_tell(appointment)
    if not recipients:
        return
    url = settings.BASE_URL + reverse("web:appointment_detail", args=[appointment.pk])
    try:
        for language, group in by_language(recipients).items():
            with translation.override(language):
                OutgoingEmail(
                    subject=pgettext("staff", "A contact can't come to an appointment"),
                    body=pgettext(
                        "staff",
                        "A contact of %(organization)s said they can't come to an "
                        "appointment. Cancel it or get in touch with them:",
                    )
                    % {"organization": appointment.organization.name}
                    + f"\n\n{url}\n",
                    to=group,
                ).send()
    except Exception:
        # The answer is stored and shows on the appointment list either way.
        logger.exception("could not email staff about appointment %s", appointment_id)


def answerable_by_message(messages) -> dict:
    """For the secure page: the appointment each reminder in `messages` was about,
    by message id, while it can still be answered (not started, not cancelled)."""
    from hushpost.appointments.models import DueSend
    from hushpost.messaging.models import Origin

    # Only the scheduler's sends (auto messages) come from a DueSend: a thread of
    # composed messages, read on every reload of the page, costs no query here.
    by_send = {m.send_id: m for m in messages if m.send_id and m.origin == Origin.AUTO}
    if not by_send:
        return {}
    rows = DueSend.objects.filter(
        send_id__in=list(by_send),
        appointment__start__gt=timezone.now(),
    ).exclude(appointment__status=AppointmentStatus.CANCELLED)
    found = {}
    for row in rows.select_related(
        "appointment__organization", "appointment__contact", "appointment__staff"
    ):
        message = by_send[row.send_id]
        if row.appointment.contact_id == message.contact_id:
            found[message.pk] = row.appointment
    return found
