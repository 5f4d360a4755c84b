"""Appointments from an iCalendar file (RFC 5545), as Google, Outlook and iCloud export them.

`read_calendar` takes the bytes or text of a calendar from any source (an
upload today, a feed later) and gives one AppointmentRecord per single event
and per recurring series:

- A single event is stored whatever its date (history never triggers
  messages: appointments.schedule), under its UID.
- A series (RRULE, RDATE, EXDATE, RECURRENCE-ID overrides, cancelled
  instances) is expanded by recurring-ical-events into one appointment per
  occurrence from now over the horizon (HUSHPOST_RECURRENCE_HORIZON_DAYS),
  each under `UID/<recurrence id>`, which never changes when an occurrence is
  moved; stored occurrences in that window that the file no longer has are
  cancelled. The scheduler expands open-ended series further (series.py).
- Floating times are in the calendar's X-WR-TIMEZONE (x-wr-timezone) before
  the organization's zone; an unknown TZID is a warning on the row that says
  which zone was used instead. Local times that don't exist or happen twice
  are resolved the RFC 5545 way (local_times).
- The contact is an ATTENDEE: never the ORGANIZER, a ROOM or RESOURCE, or a
  staff member's address (compared case-insensitively). A group event gives
  each client attendee an appointment of their own. A CN that is an email
  address is no name; without one the contact is found by address, or named
  from it. An event with no client attendee takes its client from the first
  email and phone number written in its DESCRIPTION or LOCATION (what clinics
  do when patients aren't calendar guests), with a warning on the row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
import phonenumbers
import recurring_ical_events
import x_wr_timezone
from django.conf import settings
from icalendar.timezone import tzp
from phonenumbers import Leniency

from hushpost.appointments.import_rows import AppointmentRecord, Occurrence, Person
from hushpost.appointments.local_times import resolve_local
from hushpost.imports import reason_texts as texts
from hushpost.imports.file_encoding import UndecodableFile, decode_upload
from hushpost.imports.readers import ImportRefused
from hushpost.imports.reason_texts import english

MAX_OCCURRENCES = 50_000
STATUS = {"CONFIRMED": "confirmed", "TENTATIVE": "scheduled", "CANCELLED": "cancelled"}
NOT_CLIENTS = {"ROOM", "RESOURCE"}
_LOOKS_LIKE_EMAIL = re.compile(r"^\S+@\S+\.\S+$")
_EMAIL_IN_TEXT = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
NO_CLIENT = english(texts.NO_CLIENT)


def horizon() -> timedelta:
    return timedelta(days=settings.HUSHPOST_RECURRENCE_HORIZON_DAYS)


@dataclass
class CalendarRead:
    records: list[AppointmentRecord]
    notes: list[str] = field(default_factory=list)
    occurrences: int = 0


def looks_like_calendar(text: str) -> bool:
    return text.lstrip("\ufeff \r\n\t")[:15].upper() == "BEGIN:VCALENDAR"


def parse_calendar(data: bytes | str) -> icalendar.Calendar:
    """The calendar in `data`; ImportRefused says why when there is none."""
    if isinstance(data, bytes):
        try:
            data = decode_upload(data).text
        except UndecodableFile as error:
            raise ImportRefused(str(error)) from None
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except Exception as error:  # noqa: BLE001
        # icalendar raises ValueError and friends (not one base class) for a malformed file.
        raise ImportRefused(
            f"This is not a valid iCalendar (.ics) file: {str(error)[:200]}"
        ) from None
    if not isinstance(calendar, icalendar.Calendar) or calendar.name != "VCALENDAR":
        raise ImportRefused("This is not an iCalendar file: it must start with BEGIN:VCALENDAR.")
    if calendar.errors:
        raise ImportRefused(
            f"This is not a valid iCalendar (.ics) file: {calendar.errors[0][1]}"[:300]
        )
    return calendar


def read_calendar(
    organization,
    data: bytes | str | icalendar.Calendar,
    *,
    now: datetime,
    staff_addresses: Iterable[str] = (),
    until: datetime | None = None,
    zone_name: str = "",
) -> CalendarRead:
    """Every event and series of the calendar as records (series expanded from `now` to
    `until`, by default the horizon); raises ImportRefused when the file is unusable."""
    calendar = data if isinstance(data, icalendar.Calendar) else parse_calendar(data)
    notes: list[str] = []
    declared = str(calendar.get("X-WR-TIMEZONE", "")).strip()
    zone_name = zone_name or organization.time_zone
    if declared:
        try:
            ZoneInfo(declared)
        except (ZoneInfoNotFoundError, ValueError):
            notes.append(
                english(
                    texts.ZONE_DECLARED_UNKNOWN,
                    zone=declared[:64],
                    organization_zone=zone_name,
                )
            )
        else:
            calendar = x_wr_timezone.to_standard(calendar)
            zone_name = declared
            notes.append(english(texts.ZONE_DECLARED, zone=declared))
    reader = _Reader(
        organization,
        calendar,
        zone=ZoneInfo(zone_name),
        zone_name=zone_name,
        now=now,
        until=until or now + horizon(),
        staff={address.lower() for address in staff_addresses},
    )
    records = reader.records()
    notes.extend(reader.notes)
    total = sum(len(record.occurrences) for record in records)
    if total > MAX_OCCURRENCES:
        raise ImportRefused(
            f"The calendar gives {total:,} appointments; import at most {MAX_OCCURRENCES:,} "
            "at a time."
        )
    if not records:
        raise ImportRefused("The calendar has no events (VEVENT) to import.")
    return CalendarRead(records=records, notes=notes, occurrences=total)


class _Reader:
    def __init__(self, organization, calendar, *, zone, zone_name, now, until, staff):
        self.organization = organization
        self.calendar = calendar
        self.zone: tzinfo = zone
        self.zone_name = zone_name
        self.now, self.until = now, until
        self.staff = staff
        self.notes: list[str] = []
        self.timezones = list(calendar.walk("VTIMEZONE"))

    def records(self) -> list[AppointmentRecord]:
        groups: dict[str, list] = {}
        records: list[AppointmentRecord] = []
        for index, event in enumerate(self.calendar.walk("VEVENT"), start=1):
            if event.errors:
                records.append(
                    AppointmentRecord(
                        line=index,
                        uid=_text(event, "UID"),
                        reasons=[english(texts.EVENT_MALFORMED, index=index)],
                    )
                )
                continue
            uid = _text(event, "UID")
            if not uid:
                records.append(
                    AppointmentRecord(
                        line=index,
                        reasons=[english(texts.NO_UID)],
                    )
                )
                continue
            groups.setdefault(uid, []).append(event)
        for uid, events in groups.items():
            recurring = any("RRULE" in e or "RDATE" in e or "RECURRENCE-ID" in e for e in events)
            if recurring:
                records.append(self._series(uid, events))
            else:
                records.extend(
                    AppointmentRecord(
                        uid=uid,
                        occurrences=[self._occurrence(uid, event)],
                        family=uid if len(events) == 1 else "",
                    )
                    for event in events
                )
        return records

    def _series(self, uid: str, events: list) -> AppointmentRecord:
        record = AppointmentRecord(uid=uid, series_window=(self.now, self.until))
        source = icalendar.Calendar()
        source.add("PRODID", "-//Hushpost//recurring series//EN")
        source.add("VERSION", "2.0")
        for component in [*self.timezones, *events]:
            source.add_component(component)
        try:
            found = recurring_ical_events.of(source).between(self.now, self.until)
        except Exception:  # noqa: BLE001
            # A broken RRULE, RDATE or EXDATE: the series is refused, the others import.
            record.reasons.append(english(texts.BAD_RECURRENCE))
            return record
        for component in sorted(found, key=lambda c: str(c.get("RECURRENCE-ID", ""))):
            recurrence = _recurrence_id(component)
            record.occurrences.append(self._occurrence(f"{uid}/{recurrence}", component))
        master = next((e for e in events if "RECURRENCE-ID" not in e), events[0])
        rule = master.get("RRULE")
        rule = rule[0] if isinstance(rule, list) else rule
        record.series_open_ended = bool(rule) and not ("COUNT" in rule or "UNTIL" in rule)
        record.series_source = source.to_ical().decode()
        record.series_zone = self.zone_name
        starts = sorted(o.start for o in record.occurrences if o.start)
        count, open_ended = len(record.occurrences), record.series_open_ended
        if not starts:
            note = texts.SERIES_UNDATED
        elif count == 1:
            note = texts.SERIES_ONE_OPEN if open_ended else texts.SERIES_ONE
        else:
            note = texts.SERIES_MANY_OPEN if open_ended else texts.SERIES_MANY
        dates = (
            {"first": f"{starts[0]:%Y-%m-%d}", "last": f"{starts[-1]:%Y-%m-%d}"} if starts else {}
        )
        self.notes.append(english(note, uid=uid[:120], count=count, **dates))
        return record

    def _occurrence(self, external_id: str, event) -> Occurrence:
        occ = Occurrence(external_id=external_id, staff_required=False)
        occ.start = self._instant(event, "DTSTART", occ)
        if "DTEND" in event:
            occ.end = self._instant(event, "DTEND", occ)
        elif "DURATION" in event and occ.start is not None:
            try:
                occ.end = occ.start + event.decoded("DURATION")
            except Exception:  # noqa: BLE001
                # As for DTSTART/DTEND: any failure to decode is a bad value, not a 500.
                occ.reasons.append(english(texts.BAD_DURATION))
        else:
            occ.end = occ.start
        if occ.start is None and not occ.reasons:
            occ.reasons.append(english(texts.MISSING_START))
        occ.title = _text(event, "SUMMARY")
        occ.location = _text(event, "LOCATION")
        occ.status = STATUS.get(_text(event, "STATUS").upper(), "")
        occ.sequence = _sequence(event)
        occ.modified = self._modified(event)
        organizer = _address(event.get("ORGANIZER"))
        if organizer and organizer.lower() in self.staff:
            occ.staff_email = organizer
        occ.people = self._clients(event, organizer)
        if not occ.people:
            occ.people = self._written_client(event, organizer)
            if occ.people:
                occ.warnings.append(english(texts.CLIENT_FROM_TEXT))
        if not occ.people:
            occ.reasons.append(NO_CLIENT)
        return occ

    def _written_client(self, event, organizer: str) -> list[Person]:
        """A client that clinics write into the event instead of inviting (patients are
        rarely calendar guests): the first email and the first phone number in the
        description, else the location, that aren't the organizer's or a staff member's."""
        email = phone = ""
        for name in ("DESCRIPTION", "LOCATION"):
            text = _text(event, name)
            if not text:
                continue
            if not email:
                email = next(
                    (
                        found
                        for found in _EMAIL_IN_TEXT.findall(text)
                        if found.lower() != organizer.lower() and found.lower() not in self.staff
                    ),
                    "",
                )
            if not phone:
                match = next(
                    iter(
                        phonenumbers.PhoneNumberMatcher(
                            text, self.organization.country or None, leniency=Leniency.VALID
                        )
                    ),
                    None,
                )
                if match is not None:
                    phone = phonenumbers.format_number(
                        match.number, phonenumbers.PhoneNumberFormat.E164
                    )
        if not (email or phone):
            return []
        return [Person(email=email, phone=phone, name_from_address=True)]

    def _clients(self, event, organizer: str) -> list[Person]:
        attendees = event.get("ATTENDEE") or []
        attendees = attendees if isinstance(attendees, list) else [attendees]
        people, seen = [], set()
        for attendee in attendees:
            params = getattr(attendee, "params", {})
            cutype = str(params.get("CUTYPE", "INDIVIDUAL")).upper()
            address = str(attendee).strip()
            kind, _, value = address.partition(":")
            value = value.strip()
            if cutype in NOT_CLIENTS or not value:
                continue
            key = value.lower()
            if key == organizer.lower() or key in self.staff or key in seen:
                continue
            seen.add(key)
            name = _cn(params.get("CN"))
            if kind.lower() == "mailto":
                people.append(Person(name=name, email=value, name_from_address=True))
            elif kind.lower() == "tel":
                people.append(Person(name=name, phone=value, name_from_address=True))
        return people

    def _instant(self, event, name: str, occ: Occurrence) -> datetime | None:
        label = "start" if name == "DTSTART" else "end"
        try:
            value = event.decoded(name)
        except Exception:  # noqa: BLE001
            # icalendar fails in assorted ways on a value it can't decode: a bad value, not a 500.
            occ.reasons.append(english(texts.BAD_START if label == "start" else texts.BAD_END))
            return None
        if not isinstance(value, datetime):
            if isinstance(value, date) and label == "start":
                occ.reasons.append(english(texts.ALL_DAY))
            elif not isinstance(value, date):
                occ.reasons.append(english(texts.BAD_START if label == "start" else texts.BAD_END))
            return None
        tzid = (
            str(event[name].params.get("TZID", "") or "") if hasattr(event[name], "params") else ""
        )
        if value.tzinfo is None:
            if tzid:
                text = texts.START_ZONE_UNKNOWN if label == "start" else texts.END_ZONE_UNKNOWN
                occ.warnings.append(english(text, zone=tzid[:64], fallback=self.zone_name))
            return resolve_local(value, self.zone)
        if value.utcoffset() == timedelta(0) and not tzid:
            return value.astimezone(UTC)
        # Resolve in the IANA zone the TZID names when there is one (Windows names too),
        # else in the calendar's own VTIMEZONE — either way by RFC 5545's rule.
        zone = (tzp.timezone(tzid) if tzid else None) or value.tzinfo
        return resolve_local(value.replace(tzinfo=None), zone)

    @staticmethod
    def _modified(event) -> datetime | None:
        if "LAST-MODIFIED" not in event:
            return None
        try:
            value = event.decoded("LAST-MODIFIED")
        except Exception:  # noqa: BLE001
            return None
        if not isinstance(value, datetime):
            return None
        return value if value.tzinfo else value.replace(tzinfo=UTC)


def _text(component, name: str) -> str:
    """A property as one line of text; a repeated one gives its first value, never a list."""
    value = component.get(name)
    if isinstance(value, list):
        value = value[0] if value else ""
    return " ".join(str(value or "").split())


def _cn(value) -> str:
    """A CN as a name: unquoted commas split it into a list, which is joined back;
    an email address is no name."""
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(part).strip() for part in value)
    name = " ".join(str(value or "").strip().strip('"').split())
    if _LOOKS_LIKE_EMAIL.match(name.removeprefix("mailto:")):
        return ""
    return name


def _address(value) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    text = str(value or "").strip()
    return text[7:].strip() if text.lower().startswith("mailto:") else text


def _sequence(event) -> int | None:
    try:
        return int(str(event.get("SEQUENCE")).strip()) if "SEQUENCE" in event else None
    except ValueError:
        return None


def _recurrence_id(component) -> str:
    """The occurrence's original start, as UTC (or a floating or all-day value as written)."""
    try:
        value = component.decoded("RECURRENCE-ID")
    except Exception:  # noqa: BLE001
        value = component.decoded("DTSTART")
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.strftime("%Y%m%dT%H%M%S")
        return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return value.strftime("%Y%m%d")
