"""Appointments as a front desk reads them: a day, the next days, a week; each
with its confirmation state and what its auto messages did and will do.

Apptoto's Appointments tab is the model: it opens on what is coming, says
who was reminded and who confirmed, and never leaves staff looking at an
empty day without saying where the next appointment is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils.translation import pgettext, pgettext_lazy

from hushpost.accounts.models import Organization
from hushpost.appointments.auto_messages import label
from hushpost.appointments.models import (
    AnswerChannel,
    Appointment,
    AppointmentStatus,
    ConfirmedBy,
    DueSend,
    DueSendStatus,
)

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Anything other than an id: appointments that have no staff member.
NO_STAFF = "none"
# How far "the next day with appointments" is looked for.
LOOK_AHEAD_DAYS = 366


@dataclass(frozen=True)
class Confirmation:
    """How an appointment's confirmation state reads, and the tag's tone."""

    label: StrOrPromise
    tone: str  # "", "good", "bad", "warn": the tag classes of the staff CSS


# One entry per status: a new state (issue 15's "can't come", who confirmed)
# is one more line here and shows everywhere the column and filter appear.
CONFIRMATIONS: dict[str, Confirmation] = {
    AppointmentStatus.SCHEDULED: Confirmation(pgettext_lazy("staff", "Not confirmed yet"), ""),
    AppointmentStatus.CONFIRMED: Confirmation(pgettext_lazy("staff", "Confirmed"), "good"),
    AppointmentStatus.CANCEL_REQUESTED: Confirmation(pgettext_lazy("staff", "Can't come"), "warn"),
    AppointmentStatus.CANCELLED: Confirmation(pgettext_lazy("staff", "Cancelled"), "bad"),
}
# The filter for whom to chase: neither confirmed by the contact nor answered
# "can't come" (a staff or calendar confirmation is not the contact's answer).
NOT_CONFIRMED = "not_confirmed"
# How each channel reads after "Confirmed" / "Can't come".
VIA: dict[str, StrOrPromise] = {
    AnswerChannel.SMS: pgettext_lazy("staff", "by text"),
    AnswerChannel.LINK: pgettext_lazy("staff", "with the link"),
    AnswerChannel.PORTAL: pgettext_lazy("staff", "on the secure page"),
    AnswerChannel.VOICE: pgettext_lazy("staff", "by phone keypress"),
    AnswerChannel.STAFF: pgettext_lazy("staff", "by staff"),
    AnswerChannel.API: pgettext_lazy("staff", "through the API"),
    AnswerChannel.CALENDAR: pgettext_lazy("staff", "by the calendar"),
}


def _confirmed(via: StrOrPromise) -> str:
    if not via:
        return pgettext("staff", "Confirmed")
    return pgettext("staff", "Confirmed %(via)s") % {"via": via}


def confirmation(appointment: Appointment) -> Confirmation:
    state = CONFIRMATIONS.get(
        appointment.status, Confirmation(appointment.get_status_display(), "")
    )
    via = VIA.get(appointment.answered_via, "")
    if appointment.status == AppointmentStatus.CONFIRMED:
        if appointment.confirmed_by != ConfirmedBy.CONTACT:
            # Not the contact's own answer: shown plainly, not as good news.
            return Confirmation(_confirmed(via), "")
        return Confirmation(_confirmed(via), state.tone)
    if appointment.status == AppointmentStatus.CANCEL_REQUESTED and via:
        return Confirmation(
            pgettext("staff", "Can't come (said %(via)s)") % {"via": via}, state.tone
        )
    return state


def confirmation_choices() -> list[tuple[str, StrOrPromise]]:
    return [
        (NOT_CONFIRMED, pgettext_lazy("staff", "Not confirmed by the contact")),
        *((status, state.label) for status, state in CONFIRMATIONS.items()),
    ]


@dataclass(frozen=True)
class Done:
    """An auto message that was settled for an appointment: sent, skipped or failed."""

    name: str
    at: datetime | None
    status: str
    status_label: str
    delivery_status: str
    delivery_status_label: str
    reason: str


@dataclass(frozen=True)
class Due:
    name: str
    at: datetime


@dataclass
class Progress:
    """What went out for an appointment, and what is due next."""

    went_out: list[Done] = field(default_factory=list)
    next_due: Due | None = None

    @property
    def last(self) -> Done | None:
        return self.went_out[-1] if self.went_out else None


@dataclass
class AgendaItem:
    appointment: Appointment
    confirmation: Confirmation
    progress: Progress


@dataclass
class AgendaDay:
    day: date
    items: list[AgendaItem]


def filtered(
    organization: Organization, *, staff: str = "", status: str = ""
) -> QuerySet[Appointment]:
    """The organization's appointments for a staff filter (an id, or NO_STAFF) and a
    confirmation state."""
    found = Appointment.objects.for_org(organization).select_related("contact", "staff")
    if staff == NO_STAFF:
        found = found.filter(staff__isnull=True)
    elif staff:
        found = found.filter(staff_id=staff)
    if status == NOT_CONFIRMED:
        found = found.filter(
            Q(status=AppointmentStatus.SCHEDULED)
            | Q(status=AppointmentStatus.CONFIRMED, confirmed_by__in=["", "staff", "calendar"])
        )
    elif status:
        found = found.filter(status=status)
    return found


def day_bounds(first: date, days: int, zone: tzinfo) -> tuple[datetime, datetime]:
    """Midnight at the start of `first` to midnight after `days` days, in `zone`."""
    start = datetime.combine(first, time.min, tzinfo=zone)
    after = datetime.combine(first + timedelta(days=days), time.min, tzinfo=zone)
    return start, after


def agenda(
    appointments: QuerySet[Appointment], first: date, days: int, zone: tzinfo
) -> list[AgendaDay]:
    """Every day from `first` for `days` days with its appointments (empty days too)."""
    start, after = day_bounds(first, days, zone)
    found = list(appointments.filter(start__gte=start, start__lt=after).order_by("start", "id"))
    progress = progress_of(found)
    by_day: dict[date, list[AgendaItem]] = {}
    for appointment in found:
        by_day.setdefault(appointment.start.astimezone(zone).date(), []).append(
            AgendaItem(appointment, confirmation(appointment), progress[appointment.pk])
        )
    return [
        AgendaDay(first + timedelta(days=n), by_day.get(first + timedelta(days=n), []))
        for n in range(days)
    ]


def next_day_with_appointments(
    appointments: QuerySet[Appointment], after_day: date, zone: tzinfo
) -> tuple[date, int] | None:
    """The first day after `after_day` with appointments, and how many it has."""
    start, _ = day_bounds(after_day + timedelta(days=1), 0, zone)
    first = (
        appointments.filter(start__gte=start, start__lt=start + timedelta(days=LOOK_AHEAD_DAYS))
        .order_by("start")
        .first()
    )
    if first is None:
        return None
    day = first.start.astimezone(zone).date()
    day_start, day_after = day_bounds(day, 1, zone)
    return day, appointments.filter(start__gte=day_start, start__lt=day_after).count()


def progress_of(appointments: list[Appointment]) -> dict:
    """Each appointment's Progress, by id, from its due sends (one query)."""
    result = {appointment.pk: Progress() for appointment in appointments}
    rows = (
        DueSend.objects.filter(appointment_id__in=list(result))
        .select_related("auto_message", "delivery")
        .order_by("due_at", "id")
    )
    for row in rows:
        progress = result[row.appointment_id]
        if row.status == DueSendStatus.PENDING:
            if progress.next_due is None:
                progress.next_due = Due(label(row.auto_message), row.due_at)
            continue
        delivery = row.delivery
        progress.went_out.append(
            Done(
                name=label(row.auto_message),
                at=row.done_at,
                status=row.status,
                status_label=row.get_status_display(),
                delivery_status=delivery.status if delivery else "",
                delivery_status_label=delivery.status_label if delivery else "",
                reason=(delivery.reason if delivery and delivery.reason else row.reason),
            )
        )
    return result


def cant_come(organization: Organization, now: datetime) -> QuerySet[Appointment]:
    """Upcoming appointments whose contact said they can't come: a person decides
    (shown on the Inbox until then)."""
    return (
        Appointment.objects.for_org(organization)
        .filter(status=AppointmentStatus.CANCEL_REQUESTED, start__gt=now)
        .select_related("contact", "staff")
        .order_by("start", "id")
    )
