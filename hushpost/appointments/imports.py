"""Importing appointments from a CSV or an iCalendar (.ics) file, with a report per row.

Each row (CSV line, or .ics event) names its appointment by an external id
(the CSV column external_id, the event's UID), so importing the same file
again updates what it imported and duplicates nothing; a CSV row without an
external id is matched by its contact and start. The contact is found by
email or mobile phone (E.164 in the organization's country), or added when
the row gives a name and one of them.

The whole file is read and parsed before anything is stored: a file that
can't be read (a malformed .ics, a CSV that isn't one) is refused with a
reason and nothing changes. Rows are then saved in chunks, one transaction
each, every row in its own savepoint, so one bad row never takes others
with it. Reasons name the problem and the column, never the value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import cast
from zoneinfo import ZoneInfo

from django.db import transaction

from hushpost.accounts.models import Organization, User
from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.appointments.models import Appointment, AppointmentStatus
from hushpost.appointments.services import AppointmentInvalid, changed_fields, save_appointment
from hushpost.contacts.csv_files import CsvError, header_key, read_upload
from hushpost.contacts.models import Contact
from hushpost.contacts.phones import InvalidPhone, normalize_phone
from hushpost.contacts.services import save_contact
from hushpost.contacts.values import clean_email

MAX_ROWS = 5_000
CHUNK = 200
# CharFields: their max_length is always set.
NAME_MAX = cast(int, Contact._meta.get_field("name").max_length)
TITLE_MAX = cast(int, Appointment._meta.get_field("title").max_length)
LOCATION_MAX = cast(int, Appointment._meta.get_field("location").max_length)
EXTERNAL_ID_MAX = cast(int, Appointment._meta.get_field("external_id").max_length)

# CSV headers as header_key() reads them → the row's field.
COLUMNS = {
    "externalid": "external_id",
    "id": "external_id",
    "uid": "external_id",
    "appointmentid": "external_id",
    "start": "start",
    "starts": "start",
    "startat": "start",
    "starttime": "start",
    "begin": "start",
    "end": "end",
    "ends": "end",
    "endat": "end",
    "endtime": "end",
    "finish": "end",
    "title": "title",
    "summary": "title",
    "what": "title",
    "subject": "title",
    "location": "location",
    "where": "location",
    "place": "location",
    "status": "status",
    "staff": "staff_email",
    "staffemail": "staff_email",
    "staffmember": "staff_email",
    "provider": "staff_email",
    "name": "name",
    "contact": "name",
    "contactname": "name",
    "patient": "name",
    "client": "name",
    "email": "email",
    "contactemail": "email",
    "phone": "phone",
    "mobile": "phone",
    "mobilephone": "phone",
    "contactphone": "phone",
}
STATUS_WORDS = {
    "scheduled": AppointmentStatus.SCHEDULED,
    "booked": AppointmentStatus.SCHEDULED,
    "tentative": AppointmentStatus.SCHEDULED,
    "confirmed": AppointmentStatus.CONFIRMED,
    "cancelled": AppointmentStatus.CANCELLED,
    "canceled": AppointmentStatus.CANCELLED,
}
DATE_HINT = "use YYYY-MM-DD HH:MM, optionally with an offset such as +01:00"


class ImportFileError(ValueError):
    """The file can't be imported at all; nothing was stored."""


@dataclass
class Row:
    where: str  # "row 3" or "event <UID>"
    external_id: str = ""
    start: datetime | None = None
    end: datetime | None = None
    title: str = ""
    location: str = ""
    status: str = ""
    staff_email: str = ""
    name: str = ""
    email: str = ""
    phone: str = ""
    reasons: list[str] = field(default_factory=list)


@dataclass
class Rejected:
    where: str
    reasons: list[str]


@dataclass
class ImportReport:
    kind: str  # "csv" or "ics"
    file_name: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    contacts_created: int = 0
    rejected: list[Rejected] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged + len(self.rejected)


def import_file(
    organization: Organization, file_name: str, data: bytes, *, actor=None, actor_label: str = ""
) -> ImportReport:
    """Read the whole file, then import its rows; raises ImportFileError when the
    file itself is unusable."""
    is_ics = (file_name or "").lower().endswith((".ics", ".ical", ".ifb")) or data.lstrip()[
        :15
    ].upper() == b"BEGIN:VCALENDAR"
    rows = read_ics(organization, data) if is_ics else read_csv(organization, data)
    if len(rows) > MAX_ROWS:
        raise ImportFileError(
            f"The file has {len(rows):,} appointments; import at most {MAX_ROWS:,} at a time."
        )
    report = ImportReport(kind="ics" if is_ics else "csv", file_name=file_name or "")
    _Importer(organization, report, actor=actor, actor_label=actor_label).run(rows)
    record(
        organization,
        EventKind.APPOINTMENTS_IMPORTED,
        actor=actor,
        actor_label=actor_label,
        file=report.file_name,
        created=report.created,
        updated=report.updated,
        unchanged=report.unchanged,
        rejected=len(report.rejected),
        contacts_created=report.contacts_created,
    )
    return report


# Reading ----------------------------------------------------------------------


def _parse_when(raw: str, zone: ZoneInfo) -> datetime:
    text = raw.strip().replace("Z", "+00:00").replace("z", "+00:00")
    value = datetime.fromisoformat(text)  # raises ValueError
    if isinstance(value, datetime) and value.tzinfo is None:
        value = value.replace(tzinfo=zone)
    return value


def read_csv(organization: Organization, data: bytes) -> list[Row]:
    try:
        parsed = read_upload(data)
    except CsvError as error:
        raise ImportFileError(str(error).replace("contacts", "appointments")) from None
    columns: dict[int, str] = {}
    for index, header in enumerate(parsed.headers):
        target = COLUMNS.get(header_key(header))
        if target and target not in columns.values():
            columns[index] = target
    missing = [name for name in ("start",) if name not in columns.values()]
    if missing:
        raise ImportFileError(
            "The file has no start column. Name the columns on the first line: "
            "external_id, start, end, title, location, status, staff_email, name, email, phone."
        )
    if not {"email", "phone"} & set(columns.values()):
        raise ImportFileError(
            "The file has no email or phone column, so no row can name its contact."
        )
    zone = ZoneInfo(organization.time_zone)
    rows = []
    for number, values in enumerate(parsed.rows, start=2):
        if not any(value.strip() for value in values):
            continue
        row = Row(where=f"row {number}")
        cells = {
            target: (values[index].strip() if index < len(values) else "")
            for index, target in columns.items()
        }
        for name in ("start", "end"):
            if cells.get(name):
                try:
                    setattr(row, name, _parse_when(cells[name], zone))
                except ValueError:
                    row.reasons.append(f"bad {name} date ({DATE_HINT})")
            elif name == "start":
                row.reasons.append("missing start")
        if cells.get("end") is None or (not cells.get("end") and row.start is not None):
            row.reasons.append("missing end")
        for name in (
            "external_id",
            "title",
            "location",
            "status",
            "staff_email",
            "name",
            "email",
            "phone",
        ):
            setattr(row, name, cells.get(name, ""))
        rows.append(row)
    return rows


def read_ics(organization: Organization, data: bytes) -> list[Row]:
    import icalendar

    try:
        calendar = icalendar.Calendar.from_ical(data)
    except Exception as error:  # noqa: BLE001
        # icalendar raises ValueError and friends (not one base class) for a malformed file.
        raise ImportFileError(
            f"This is not a valid iCalendar (.ics) file: {str(error)[:200]}"
        ) from None
    if not isinstance(calendar, icalendar.Calendar) or calendar.name != "VCALENDAR":
        raise ImportFileError("This is not an iCalendar file: it must start with BEGIN:VCALENDAR.")
    if calendar.errors:
        raise ImportFileError(
            f"This is not a valid iCalendar (.ics) file: {calendar.errors[0][1]}"[:300]
        )
    events = list(calendar.walk("VEVENT"))
    if not events:
        raise ImportFileError("The calendar has no events (VEVENT) to import.")
    zone = ZoneInfo(organization.time_zone)
    rows = []
    for index, event in enumerate(events, start=1):
        if event.errors:
            raise ImportFileError(
                f"Event {index} of the calendar is malformed: {event.errors[0][1]}"[:300]
            )
        uid = str(event.get("UID", "")).strip()
        row = Row(where=f"event {uid}" if uid else f"event {index} (no UID)", external_id=uid)
        if not uid:
            row.reasons.append("no UID, so a later import could not find it again")
        row.start = _ics_time(event, "DTSTART", zone, row)
        if row.start is None and not any(
            r.startswith(("bad start", "all-day")) for r in row.reasons
        ):
            row.reasons.append("missing start")
        if "DTEND" in event:
            row.end = _ics_time(event, "DTEND", zone, row)
        elif "DURATION" in event and row.start is not None:
            try:
                row.end = row.start + event.decoded("DURATION")
            except Exception:  # noqa: BLE001
                # As for DTSTART/DTEND (_ics_time): any failure to decode is a bad value.
                row.reasons.append("bad duration")
        else:
            row.end = row.start
        row.title = str(event.get("SUMMARY", "")).strip()
        row.location = str(event.get("LOCATION", "")).strip()
        row.status = str(event.get("STATUS", "")).strip()
        organizer = event.get("ORGANIZER")
        if organizer is not None:
            row.staff_email = _mailto(str(organizer))
        attendees = event.get("ATTENDEE")
        attendees = (
            attendees
            if isinstance(attendees, list)
            else [attendees]
            if attendees is not None
            else []
        )
        for attendee in attendees:
            address = str(attendee)
            if organizer is not None and address == str(organizer):
                continue
            if address.lower().startswith("tel:"):
                row.phone = address[4:].strip()
            else:
                row.email = _mailto(address)
            row.name = str(attendee.params.get("CN", "")).strip()
            break
        rows.append(row)
    return rows


def _mailto(address: str) -> str:
    return address[7:].strip() if address.lower().startswith("mailto:") else address.strip()


def _ics_time(event, name: str, zone: ZoneInfo, row: Row) -> datetime | None:
    label = "start" if name == "DTSTART" else "end"
    if name not in event:
        return None
    try:
        value = event.decoded(name)
    except Exception:  # noqa: BLE001
        # icalendar fails in assorted ways on a value it can't decode: a bad value, not a 500.
        row.reasons.append(f"bad {label} date")
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=zone)
    if isinstance(value, date):
        if label == "start":
            row.reasons.append("all-day event (no start time)")
        return None
    row.reasons.append(f"bad {label} date")
    return None


# Importing --------------------------------------------------------------------


class _Importer:
    def __init__(
        self, organization: Organization, report: ImportReport, *, actor, actor_label: str
    ):
        self.organization = organization
        self.report = report
        self.actor = actor
        self.actor_label = actor_label
        self.by_email: dict[str, Contact] = {}
        self.by_phone: dict[str, Contact] = {}
        for contact in Contact.objects.for_org(organization).order_by("created_at", "id"):
            if contact.email:
                self.by_email.setdefault(contact.email.lower(), contact)
            if contact.phone:
                self.by_phone.setdefault(contact.phone, contact)
        self.staff = {
            user.email.lower(): user for user in User.objects.filter(organization=organization)
        }
        self.seen: dict[str, str] = {}

    def run(self, rows: list[Row]) -> None:
        for first in range(0, len(rows), CHUNK):
            with transaction.atomic():
                for row in rows[first : first + CHUNK]:
                    self._one(row)

    def _reject(self, row: Row, reasons: list[str]) -> None:
        self.report.rejected.append(Rejected(row.where, reasons))

    def _one(self, row: Row) -> None:
        reasons = list(row.reasons)
        if row.external_id:
            if len(row.external_id) > EXTERNAL_ID_MAX:
                reasons.append(f"external id too long ({EXTERNAL_ID_MAX} characters at most)")
            elif row.external_id in self.seen:
                reasons.append(f"the same external id as {self.seen[row.external_id]}")
            else:
                self.seen[row.external_id] = row.where
        if row.start and row.end and row.end < row.start:
            reasons.append("end before start")
        status = ""
        if row.status:
            status = STATUS_WORDS.get(row.status.strip().lower(), "")
            if not status:
                reasons.append("bad status (use scheduled, confirmed or cancelled)")
        staff = None
        if row.staff_email:
            staff = self.staff.get(row.staff_email.strip().lower())
            if staff is None and self.report.kind == "csv":
                reasons.append("unknown staff member (no staff user has this email)")
        if len(row.title) > TITLE_MAX:
            reasons.append(f"title too long ({TITLE_MAX} characters at most)")
        if len(row.location) > LOCATION_MAX:
            reasons.append(f"location too long ({LOCATION_MAX} characters at most)")
        email = phone = ""
        if row.email:
            try:
                email = clean_email(row.email)
            except ValueError:
                reasons.append("bad email")
        if row.phone:
            try:
                phone = normalize_phone(row.phone, self.organization.country)
            except InvalidPhone:
                reasons.append("bad phone (not a valid mobile number; add the country code)")
        contact = (self.by_email.get(email.lower()) if email else None) or (
            self.by_phone.get(phone) if phone else None
        )
        if contact is None and not reasons:
            if not row.name:
                reasons.append(
                    "unknown contact (no contact has this email or phone; give a name to add one)"
                    if email or phone
                    else "no contact: give an email or phone"
                )
            elif len(row.name) > NAME_MAX:
                reasons.append(f"name too long ({NAME_MAX} characters at most)")
        if reasons:
            self._reject(row, reasons)
            return
        try:
            with transaction.atomic():
                if contact is None:
                    contact = self._new_contact(row.name, email, phone)
                self._save(row, contact, staff, status)
        except AppointmentInvalid as error:
            self._reject(
                row, [message.rstrip(".") for found in error.problems.values() for message in found]
            )

    def _new_contact(self, name: str, email: str, phone: str) -> Contact:
        contact = save_contact(
            Contact(organization=self.organization, name=name, email=email, phone=phone),
            actor=self.actor,
            actor_label=self.actor_label,
            changed=[],
            created=True,
        )
        self.report.contacts_created += 1
        if email:
            self.by_email[email.lower()] = contact
        if phone:
            self.by_phone[phone] = contact
        return contact

    def _save(self, row: Row, contact: Contact, staff, status: str) -> None:
        existing = Appointment.objects.for_org(self.organization)
        if row.external_id:
            appointment = existing.filter(external_id=row.external_id).first()
        else:
            appointment = existing.filter(contact=contact, start=row.start, external_id="").first()
        created = appointment is None
        before = None
        if created:
            appointment = Appointment(organization=self.organization, external_id=row.external_id)
        else:
            before = Appointment.objects.get(pk=appointment.pk)
        appointment.contact = contact
        appointment.start = row.start
        appointment.end = row.end if row.end is not None else row.start
        appointment.title = row.title
        appointment.location = row.location
        if staff is not None or not row.staff_email:
            appointment.staff = staff
        if status or created:
            appointment.status = status or AppointmentStatus.SCHEDULED
        changed = changed_fields(before, appointment)
        if not created and not changed:
            self.report.unchanged += 1
            return
        save_appointment(
            appointment,
            actor=self.actor,
            actor_label=self.actor_label,
            created=created,
            changed=changed,
        )
        if created:
            self.report.created += 1
        else:
            self.report.updated += 1
