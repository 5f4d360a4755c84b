"""Appointments from a CSV file: the columns recognised by their headers (or mapped by an API
client), times read in the organization's zone unless they carry an offset, local times
that don't exist or happen twice resolved the RFC 5545 way (local_times)."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from hushpost.appointments.import_rows import AppointmentRecord, Occurrence, Person
from hushpost.appointments.local_times import resolve_local
from hushpost.contacts.csv_files import header_key, read_csv_text
from hushpost.imports import reason_texts as texts
from hushpost.imports.reason_texts import english

IGNORE = "ignore"
MAX_ROWS = 50_000
# CSV headers as header_key() reads them → the row's field. Outlook's calendar
# export splits the times ("Start Date", "Start Time") and calls the title "Subject".
COLUMNS = {
    "externalid": "external_id",
    "id": "external_id",
    "uid": "external_id",
    "appointmentid": "external_id",
    "start": "start",
    "starts": "start",
    "startat": "start",
    "begin": "start",
    "startdate": "start_date",
    "starttime": "start_time",
    "end": "end",
    "ends": "end",
    "endat": "end",
    "finish": "end",
    "enddate": "end_date",
    "endtime": "end_time",
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
TARGETS = sorted({*COLUMNS.values(), IGNORE})
# Dates as spreadsheets write them; day-first or month-first by the organization's country.
_MONTH_FIRST = ("%m/%d/%Y", "%m/%d/%y")
_DAY_FIRST = ("%d/%m/%Y", "%d/%m/%y", "%d.%m.%Y", "%d.%m.%y")
_TIMES = ("%H:%M", "%H:%M:%S", "%I:%M %p", "%I:%M:%S %p", "%I %p")
_MONTH_FIRST_COUNTRIES = {"US", "CA", "PH", "FM", "MH", "PW"}


def column_mapping(headers: list[str]) -> dict[str, str]:
    """Each column's field, recognised from its header; a field is taken once."""
    mapping, taken = {}, set()
    for index, header in enumerate(headers):
        target = COLUMNS.get(header_key(header), IGNORE)
        if target in taken:
            target = IGNORE
        taken.add(target)
        mapping[str(index)] = target
    return mapping


def mapping_problems(headers: list[str], mapping: dict[str, str]) -> list[str]:
    used = set(mapping.values())
    problems = []
    if "start" not in used and "start_date" not in used:
        problems.append(
            "The file has no start column. Name the columns on the first line: "
            "external_id, start, end, title, location, status, staff_email, name, email, phone."
        )
    if not {"email", "phone"} & used:
        problems.append("The file has no email or phone column, so no row can name its contact.")
    return problems


def mapping_from_names(by_name: dict[str, str], headers: list[str]) -> tuple[dict, list[str]]:
    positions = {header_key(header): index for index, header in enumerate(headers)}
    mapping = {str(index): IGNORE for index in range(len(headers))}
    problems = []
    for name, target in by_name.items():
        index = positions.get(header_key(str(name)))
        if index is None:
            problems.append(f"The file has no column “{name}”.")
        elif target not in TARGETS:
            problems.append(
                f"“{target}” (for column “{name}”) is not a target; "
                f"use one of {', '.join(TARGETS)}."
            )
        else:
            mapping[str(index)] = target
    return mapping, problems or mapping_problems(headers, mapping)


def read_csv(text: str):
    return read_csv_text(text, what="appointments")


def csv_records(
    headers: list[str], rows: list[list[str]], mapping: dict[str, str], organization
) -> list[AppointmentRecord]:
    zone = ZoneInfo(organization.time_zone)
    month_first = organization.country.upper() in _MONTH_FIRST_COUNTRIES
    columns = {int(index): target for index, target in mapping.items() if target != IGNORE}
    records = []
    for number, values in enumerate(rows, start=2):
        if not any(value.strip() for value in values):
            continue
        cells = {
            target: (values[index].strip() if index < len(values) else "")
            for index, target in columns.items()
        }
        occ = Occurrence(
            external_id=cells.get("external_id", ""),
            title=cells.get("title", ""),
            location=cells.get("location", ""),
            status=cells.get("status", ""),
            staff_email=cells.get("staff_email", ""),
            people=[
                Person(
                    name=cells.get("name", ""),
                    email=cells.get("email", ""),
                    phone=cells.get("phone", ""),
                )
            ],
        )
        for name in ("start", "end"):
            raw = cells.get(name) or " ".join(
                part
                for part in (cells.get(f"{name}_date", ""), cells.get(f"{name}_time", ""))
                if part
            )
            if not raw:
                occ.reasons.append(
                    english(texts.MISSING_START if name == "start" else texts.MISSING_END)
                )
                continue
            try:
                setattr(occ, name, parse_when(raw, zone, month_first))
            except ValueError:
                occ.reasons.append(
                    english(texts.BAD_START_HINT if name == "start" else texts.BAD_END_HINT)
                )
        records.append(
            AppointmentRecord(line=number, uid=occ.external_id, occurrences=[occ], values=values)
        )
    return records


def parse_when(raw: str, zone: ZoneInfo, month_first: bool = False) -> datetime:
    """An instant from a cell: ISO 8601 (with or without an offset) or a spreadsheet's
    date and time; a local time is resolved in `zone`."""
    text = raw.strip()
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        value = _spreadsheet_time(text, month_first)
    if value.tzinfo is not None:
        return value
    return resolve_local(value, zone)


def _spreadsheet_time(text: str, month_first: bool) -> datetime:
    day_text, _, time_text = text.partition(" ")
    day = None
    for fmt in _MONTH_FIRST + _DAY_FIRST if month_first else _DAY_FIRST + _MONTH_FIRST:
        try:
            day = datetime.strptime(day_text, fmt).date()
            break
        except ValueError:
            continue
    if day is None:
        day = date.fromisoformat(day_text)  # raises ValueError
    clock = time(0, 0)
    if time_text.strip():
        for fmt in _TIMES:
            try:
                clock = datetime.strptime(time_text.strip().upper(), fmt).time()
                break
            except ValueError:
                continue
        else:
            raise ValueError("not a time")
    return datetime.combine(day, clock)
