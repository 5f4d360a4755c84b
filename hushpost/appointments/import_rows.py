"""Storing imported appointments: one record (a CSV row, a calendar event or a whole series)
gives one appointment per occurrence and client, each reported on its own.

Each appointment is named by an external id (the CSV column, the event's UID,
`UID/<recurrence id>` for an occurrence of a series, `…#<address>` per client
of a group event), so importing the same file again updates what changed and
duplicates nothing; a CSV row without one is matched by its contact and start.
An older version of an event (lower SEQUENCE, or the same with an older
LAST-MODIFIED) never overwrites a newer one. Each appointment is saved in its
own savepoint, so a bad one never takes others with it; reasons name the
problem and the column, never the value.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

from django.db import transaction
from django.db.models import Q

from hushpost.accounts.models import User
from hushpost.appointments.models import (
    AnswerChannel,
    Appointment,
    AppointmentStatus,
    ConfirmedBy,
    RecurringSeries,
)
from hushpost.appointments.services import (
    AppointmentInvalid,
    cancel_appointment,
    changed_fields,
    save_appointment,
)
from hushpost.contacts.models import Contact
from hushpost.contacts.phones import InvalidPhone, normalize_phone
from hushpost.contacts.services import save_contact
from hushpost.contacts.values import clean_email
from hushpost.imports import reason_texts as texts
from hushpost.imports.models import ImportRow, ImportRun, RowOutcome
from hushpost.imports.readers import Record, RowResult, Settler
from hushpost.imports.reason_texts import english

# CharFields: their max_length is always set.
NAME_MAX = cast(int, Contact._meta.get_field("name").max_length)
TITLE_MAX = cast(int, Appointment._meta.get_field("title").max_length)
LOCATION_MAX = cast(int, Appointment._meta.get_field("location").max_length)
EXTERNAL_ID_MAX = cast(int, Appointment._meta.get_field("external_id").max_length)
STATUS_WORDS = {
    "scheduled": AppointmentStatus.SCHEDULED,
    "booked": AppointmentStatus.SCHEDULED,
    "tentative": AppointmentStatus.SCHEDULED,
    "confirmed": AppointmentStatus.CONFIRMED,
    "cancelled": AppointmentStatus.CANCELLED,
    "canceled": AppointmentStatus.CANCELLED,
}
OLDER = english(texts.OLDER)
GONE = english(texts.GONE)
CANCELLED_NEW = english(texts.CANCELLED_NEW)


@dataclass
class Person:
    """Who an appointment is for, as the file names them."""

    name: str = ""
    email: str = ""
    phone: str = ""
    # Whether the name may be made from the address when no contact has it (calendars).
    name_from_address: bool = False


@dataclass
class Occurrence:
    external_id: str
    start: datetime | None = None
    end: datetime | None = None
    title: str = ""
    location: str = ""
    status: str = ""
    staff_email: str = ""
    people: list[Person] = field(default_factory=list)
    sequence: int | None = None
    modified: datetime | None = None
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Whether an unknown staff email refuses the row (CSV) or is only not used (calendars).
    staff_required: bool = True


@dataclass
class AppointmentRecord(Record):
    line: int | None = None
    uid: str = ""
    occurrences: list[Occurrence] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    values: list[str] | None = None
    # A recurring series: its stored occurrences between these times that are no
    # longer among `occurrences` are cancelled.
    series_window: tuple[datetime, datetime] | None = None
    # Recurring series: the calendar text the scheduler expands further later.
    series_source: str = ""
    series_open_ended: bool = False
    series_zone: str = ""
    # A calendar event: its stored appointments under UID or UID#<address> that the
    # event no longer gives (a client left a group event) are cancelled.
    family: str = ""


def is_older(
    sequence: int | None,
    modified: datetime | None,
    stored_sequence: int | None,
    stored_modified: datetime | None,
) -> bool:
    """RFC 5545: a higher SEQUENCE is newer; with equal ones, a later LAST-MODIFIED is."""
    if sequence is not None and stored_sequence is not None and sequence != stored_sequence:
        return sequence < stored_sequence
    if modified is not None and stored_modified is not None:
        return modified < stored_modified
    return False


class AppointmentSettler(Settler):
    def __init__(self, run: ImportRun | None, organization=None, *, actor=None, actor_label=""):
        # A calendar feed's staff member, for events whose organizer is no staff member.
        self.feed_staff_email = ""
        if run is not None:
            super().__init__(run)
            self.actor = run.created_by
            self.actor_label = run.actor_label or ("import" if run.created_by is None else "")
            self.feed_staff_email = str(run.options.get("staff_email") or "")
        else:
            self.run = None
            self.organization = organization
            self.actor, self.actor_label = actor, actor_label
        self.by_email: dict[str, Contact] = {}
        self.by_phone: dict[str, Contact] = {}
        for contact in Contact.objects.for_org(self.organization).order_by("created_at", "id"):
            if contact.email:
                self.by_email.setdefault(contact.email.lower(), contact)
            if contact.phone:
                self.by_phone.setdefault(contact.phone, contact)
        self.staff = {
            user.email.lower(): user for user in User.objects.filter(organization=self.organization)
        }
        self.seen: dict[str, str] = {}
        # The UIDs with an appointment per client of a group event (`UID#<address>`): for
        # any other event, one client's id is its UID and no client can have left it, so
        # the two queries that look for the group's ids are not needed (a large feed).
        self.group_bases = {
            external_id.split("#", 1)[0]
            for external_id in Appointment.objects.for_org(self.organization)
            .filter(external_id__contains="#")
            .values_list("external_id", flat=True)
        }

    def is_staff(self, address: str) -> bool:
        return address.strip().lower() in self.staff

    def remember(self, records: Sequence[AppointmentRecord], rows: Sequence[ImportRow]) -> None:
        """After a restart: the external ids the settled records brought, for duplicates."""
        rejected = {row.uid for row in rows if row.outcome == RowOutcome.REJECTED}
        for record in records:
            for occurrence in record.occurrences:
                for external_id, _ in self._per_person(occurrence, calendar=record.values is None):
                    if external_id and external_id not in rejected:
                        self.seen.setdefault(external_id, _where(record))

    def settle(self, records: Sequence[AppointmentRecord]) -> list[RowResult]:
        results: list[RowResult] = []
        for record in records:
            results.extend(self.settle_record(record))
        return results

    def settle_record(self, record: AppointmentRecord) -> list[RowResult]:
        if record.reasons:
            return [_result(record, "", RowOutcome.REJECTED, reasons=record.reasons)]
        results = []
        kept: set[str] = set()
        for occurrence in record.occurrences:
            for external_id, person in self._per_person(occurrence, calendar=record.values is None):
                kept.add(external_id)
                results.append(self._one(record, occurrence, external_id, person))
        if record.series_window is not None or (
            record.family and (kept != {record.family} or record.family in self.group_bases)
        ):
            results.extend(self._cancel_vanished(record, kept))
        if record.series_source:
            from hushpost.appointments.series import remember_series

            remember_series(self.organization, record)
        return results

    def _per_person(
        self, occurrence: Occurrence, *, calendar: bool = True
    ) -> list[tuple[str, Person | None]]:
        """One appointment per client; in a group event each is named by their address.

        Ids stay put when a group shrinks to one client or grows from one: the
        client an earlier import filed under the other form keeps that id."""
        base, people = occurrence.external_id, occurrence.people
        if not people or not base or not calendar:
            return [(base, people[0] if people else None)]
        keyed = [(f"{base}#{(p.email or p.phone).lower()}", p) for p in people]
        if len(keyed) == 1 and base not in self.group_bases:
            return [(base, keyed[0][1])]
        self.group_bases.add(base)
        stored = dict(
            Appointment.objects.for_org(self.organization)
            .filter(Q(external_id=base) | Q(external_id__startswith=f"{base}#"))
            .values_list("external_id", "contact__email")
        )
        if len(keyed) == 1:
            group_id, person = keyed[0]
            return [(group_id if group_id in stored else base, person)]
        holder = (stored.get(base) or "").lower()
        return [
            (base if holder and holder == person.email.lower() else group_id, person)
            for group_id, person in keyed
        ]

    def _one(
        self, record: AppointmentRecord, occ: Occurrence, external_id: str, person: Person | None
    ) -> RowResult:
        reasons = list(occ.reasons)
        warnings = list(occ.warnings)
        if not occ.staff_email and self.feed_staff_email:
            occ.staff_email = self.feed_staff_email
        if external_id:
            if len(external_id) > EXTERNAL_ID_MAX:
                reasons.append(english(texts.EXTERNAL_ID_TOO_LONG, max=EXTERNAL_ID_MAX))
            elif external_id in self.seen:
                reasons.append(english(texts.SAME_EXTERNAL_ID, first=self.seen[external_id]))
        if occ.start and occ.end and occ.end < occ.start:
            reasons.append(english(texts.END_BEFORE_START))
        status = ""
        if occ.status:
            status = STATUS_WORDS.get(occ.status.strip().lower(), "")
            if not status:
                reasons.append(english(texts.BAD_STATUS))
        staff = None
        if occ.staff_email:
            staff = self.staff.get(occ.staff_email.strip().lower())
            if staff is None and occ.staff_required:
                reasons.append(english(texts.UNKNOWN_STAFF))
        if len(occ.title) > TITLE_MAX:
            reasons.append(english(texts.TITLE_TOO_LONG, max=TITLE_MAX))
        if len(occ.location) > LOCATION_MAX:
            reasons.append(english(texts.LOCATION_TOO_LONG, max=LOCATION_MAX))
        contact, name = None, ""
        if person is not None or not occ.reasons:
            contact, name = self._contact(person, reasons, warnings)
        if reasons:
            return _result(record, external_id, RowOutcome.REJECTED, reasons, warnings)
        self.seen[external_id] = _where(record)
        try:
            with transaction.atomic():
                if contact is None:
                    # _contact rejected the record when it named no person.
                    assert person is not None
                    contact = self._new_contact(name, person)
                    warnings.append(english(texts.NEW_CONTACT))
                return self._save(record, occ, external_id, contact, staff, status, warnings)
        except AppointmentInvalid as error:
            problems = [m.rstrip(".") for found in error.problems.values() for m in found]
            return _result(record, external_id, RowOutcome.REJECTED, problems, warnings)

    def _contact(
        self, person: Person | None, reasons: list[str], warnings: list[str]
    ) -> tuple[Contact | None, str]:
        if person is None or not (person.email or person.phone):
            reasons.append(english(texts.NO_CONTACT))
            return None, ""
        email = phone = ""
        if person.email:
            try:
                email = clean_email(person.email)
            except ValueError:
                reasons.append(english(texts.BAD_EMAIL))
        if person.phone:
            try:
                phone = normalize_phone(person.phone, self.organization.country)
            except InvalidPhone:
                reasons.append(english(texts.BAD_PHONE))
        person.email, person.phone = email, phone
        contact = (self.by_email.get(email.lower()) if email else None) or (
            self.by_phone.get(phone) if phone else None
        )
        if contact is not None or reasons:
            return contact, ""
        name = person.name
        if not name and person.name_from_address and (email or phone):
            name = name_from_address(email) if email else phone
            warnings.append(english(texts.NAMED_FROM_ADDRESS))
        if not name:
            reasons.append(
                "unknown contact (no contact has this email or phone; give a name to add one)"
            )
        elif len(name) > NAME_MAX:
            reasons.append(english(texts.NAME_TOO_LONG, max=NAME_MAX))
        return None, name

    def _new_contact(self, name: str, person: Person) -> Contact:
        contact = save_contact(
            Contact(
                organization=self.organization, name=name, email=person.email, phone=person.phone
            ),
            actor=self.actor,
            actor_label=self.actor_label,
            changed=[],
            created=True,
        )
        # Remembered only once this appointment is saved; a rollback forgets the
        # contact with it (the pipeline makes a fresh settler).
        if person.email:
            self.by_email[person.email.lower()] = contact
        if person.phone:
            self.by_phone[person.phone] = contact
        return contact

    def _save(
        self, record, occ: Occurrence, external_id: str, contact, staff, status, warnings
    ) -> RowResult:
        existing = Appointment.objects.for_org(self.organization)
        if external_id:
            appointment = existing.filter(external_id=external_id).first()
        else:
            appointment = existing.filter(contact=contact, start=occ.start, external_id="").first()
        created = appointment is None
        before = None
        if created and status == AppointmentStatus.CANCELLED:
            return _result(record, external_id, RowOutcome.SKIPPED, [CANCELLED_NEW], warnings)
        if created:
            appointment = Appointment(organization=self.organization, external_id=external_id)
        else:
            if is_older(
                occ.sequence,
                occ.modified,
                appointment.source_sequence,
                appointment.source_modified_at,
            ):
                return _result(
                    record, external_id, RowOutcome.SKIPPED, [OLDER], warnings, appointment
                )
            before = Appointment.objects.get(pk=appointment.pk)
        appointment.contact = contact
        appointment.start = occ.start
        appointment.end = occ.end if occ.end is not None else occ.start
        appointment.title = occ.title
        appointment.location = occ.location
        if staff is not None or not occ.staff_email:
            appointment.staff = staff
        if status or created:
            _take_status(appointment, before, status or AppointmentStatus.SCHEDULED)
        appointment.source_sequence = occ.sequence
        appointment.source_modified_at = occ.modified
        changed = changed_fields(before, appointment)
        if before is not None and not changed:  # known already, and nothing new
            if (before.source_sequence, before.source_modified_at) != (occ.sequence, occ.modified):
                appointment.save(update_fields=["source_sequence", "source_modified_at"])
            return _result(record, external_id, RowOutcome.UNCHANGED, [], warnings, appointment)
        save_appointment(
            appointment,
            actor=self.actor,
            actor_label=self.actor_label,
            created=created,
            changed=changed,
        )
        outcome = RowOutcome.ADDED if created else RowOutcome.UPDATED
        return _result(record, external_id, outcome, [], warnings, appointment)

    def withdraw(self, uids: Sequence[str], *, now: datetime) -> list[RowResult]:
        """Events gone from a calendar feed: their appointments from `now` on are cancelled
        (which stops their reminders); past ones are history and stay as they were."""
        results = []
        for uid in uids:
            stored = (
                Appointment.objects.for_org(self.organization)
                .filter(
                    Q(external_id=uid)
                    | Q(external_id__startswith=f"{uid}/")
                    | Q(external_id__startswith=f"{uid}#"),
                    start__gt=now,
                )
                .exclude(status=AppointmentStatus.CANCELLED)
                .select_related("contact", "organization")
            )
            for appointment in stored:
                cancel_appointment(appointment, actor=self.actor, actor_label=self.actor_label)
                results.append(
                    RowResult(
                        RowOutcome.UPDATED,
                        uid=appointment.external_id,
                        warnings=[GONE],
                        object_id=str(appointment.pk),
                    )
                )
            # A series gone from the feed is no longer extended as time goes on.
            RecurringSeries.objects.filter(organization=self.organization, uid=uid).delete()
        return results

    def _cancel_vanished(self, record: AppointmentRecord, kept: set[str]) -> list[RowResult]:
        stored = Appointment.objects.for_org(self.organization)
        if record.series_window is not None:
            first, last = record.series_window
            stored = stored.filter(
                external_id__startswith=f"{record.uid}/", start__gte=first, start__lt=last
            )
        else:
            stored = stored.filter(
                Q(external_id=record.family) | Q(external_id__startswith=f"{record.family}#")
            )
        vanished = (
            stored.exclude(external_id__in=kept)
            .exclude(status=AppointmentStatus.CANCELLED)
            .select_related("contact", "organization")
        )
        results = []
        for appointment in vanished:
            cancel_appointment(appointment, actor=self.actor, actor_label=self.actor_label)
            results.append(
                _result(
                    record, appointment.external_id, RowOutcome.UPDATED, [], [GONE], appointment
                )
            )
        return results


def _take_status(appointment: Appointment, before: Appointment | None, status: str) -> None:
    """The calendar's status, except over the contact's own answer for the same
    time: a calendar still saying TENTATIVE or CONFIRMED doesn't undo a "yes" or a
    "can't come" (a cancellation does; so does a new time, in save_appointment)."""
    moved = before is not None and before.start != appointment.start
    contact_answered = before is not None and (
        before.confirmed_by_contact or before.status == AppointmentStatus.CANCEL_REQUESTED
    )
    if contact_answered and not moved and status != AppointmentStatus.CANCELLED:
        return
    if status == AppointmentStatus.CONFIRMED and (
        before is None or before.status != AppointmentStatus.CONFIRMED or moved
    ):
        appointment.confirmed_by = ConfirmedBy.CALENDAR
        appointment.answered_via = AnswerChannel.CALENDAR
        appointment.confirmed_at = None
    appointment.status = status


def name_from_address(email: str) -> str:
    """ "jane.doe@example.com" → "Jane Doe": something readable until staff correct it."""
    local = email.split("@", 1)[0]
    words = [word for word in local.replace("_", ".").replace("-", ".").split(".") if word]
    return " ".join(word[:1].upper() + word[1:] for word in words) or email


def _where(record: AppointmentRecord) -> str:
    return (
        f"row {record.line}" if record.values is not None else f"event {record.uid or record.line}"
    )


def _result(
    record: AppointmentRecord,
    external_id: str,
    outcome: RowOutcome,
    reasons: Sequence[str] = (),
    warnings: Sequence[str] = (),
    appointment: Appointment | None = None,
) -> RowResult:
    return RowResult(
        outcome,
        line=record.line,
        uid=external_id or record.uid,
        reasons=list(reasons),
        warnings=list(warnings),
        object_id=str(appointment.pk) if appointment is not None else "",
        values=record.values,
    )
