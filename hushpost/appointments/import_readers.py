"""Appointments for the import pipeline: the CSV and iCalendar readers (registered in
AppointmentsConfig.ready), both settled by import_rows.AppointmentSettler."""

from __future__ import annotations

from datetime import datetime

from hushpost.accounts.models import User
from hushpost.appointments import csv_reader
from hushpost.appointments.calendar_reader import looks_like_calendar, read_calendar
from hushpost.appointments.import_rows import AppointmentRecord, AppointmentSettler
from hushpost.contacts.csv_files import read_rows
from hushpost.imports.models import ImportKind, ImportRun
from hushpost.imports.readers import ImportRefused, MappingInvalid, Prepared, Reader


class CalendarFileReader(Reader):
    kind = ImportKind.APPOINTMENTS
    format = "ics"
    label = "iCalendar"
    extensions = (".ics", ".ical", ".ifb")

    def recognises(self, file_name: str, text: str) -> bool:
        return file_name.lower().endswith(self.extensions) or looks_like_calendar(text)

    def prepare(self, organization, text, mapping, *, now: datetime) -> Prepared:
        if mapping:
            raise MappingInvalid(["A mapping is for CSV files; an iCalendar file needs none."])
        read = read_calendar(organization, text, now=now, staff_addresses=_staff(organization))
        return Prepared(content=text, total=len(read.records), notes=read.notes)

    def records(self, run: ImportRun) -> list[AppointmentRecord]:
        return read_calendar(
            run.organization,
            run.content,
            now=run.created_at,
            staff_addresses=_staff(run.organization),
        ).records

    def settler(self, run: ImportRun) -> AppointmentSettler:
        return AppointmentSettler(run)


class AppointmentCsvReader(Reader):
    kind = ImportKind.APPOINTMENTS
    format = "csv"
    label = "CSV"
    extensions = (".csv", ".tsv", ".txt")

    def recognises(self, file_name: str, text: str) -> bool:
        return not looks_like_calendar(text)

    def prepare(self, organization, text, mapping, *, now: datetime) -> Prepared:
        parsed = csv_reader.read_csv(text)
        if len(parsed.rows) > csv_reader.MAX_ROWS:
            raise ImportRefused(
                f"The file has {len(parsed.rows):,} rows; import at most "
                f"{csv_reader.MAX_ROWS:,} at a time."
            )
        if mapping is None:
            chosen = csv_reader.column_mapping(parsed.headers)
            problems = csv_reader.mapping_problems(parsed.headers, chosen)
            if problems:
                raise ImportRefused(" ".join(problems))
        else:
            chosen, problems = csv_reader.mapping_from_names(mapping, parsed.headers)
            if problems:
                raise MappingInvalid(problems)
        return Prepared(
            content=parsed.text, total=len(parsed.rows), headers=parsed.headers, mapping=chosen
        )

    def records(self, run: ImportRun) -> list[AppointmentRecord]:
        headers, rows = read_rows(run.content)
        return csv_reader.csv_records(headers, rows, run.mapping, run.organization)

    def settler(self, run: ImportRun) -> AppointmentSettler:
        return AppointmentSettler(run)


def _staff(organization) -> list[str]:
    return list(User.objects.filter(organization=organization).values_list("email", flat=True))
