"""Contacts for the import pipeline: the CSV and vCard readers, and the settler that stores them.

Both readers turn what they read into ContactRecords (import_rows), so a
Google, Outlook or Apple CSV export and a .vcf file are checked, matched and
reported the same way. A record is matched to an existing contact by email
(any case) or mobile phone; `on_duplicate` says whether it then updates that
contact or is reported. Two records of one file with the same email or phone
are reported as duplicates of the first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db.models import Q
from django.db.models.functions import Lower

from hushpost.contacts.csv_files import read_csv_text, read_rows
from hushpost.contacts.import_mapping import (
    IGNORE,
    NAME_PARTS,
    label_columns,
    mapping_errors,
    mapping_from_names,
    suggest_mapping,
)
from hushpost.contacts.import_rows import (
    Candidate,
    CheckedRow,
    ContactRecord,
    RowChecker,
    apply_row,
    contact_keys,
)
from hushpost.contacts.models import Contact, CustomField, OnDuplicate
from hushpost.contacts.phone_labels import PhoneKind, phone_kind
from hushpost.contacts.vcards import card_record, looks_like_vcard, split_cards
from hushpost.imports import reason_texts as texts
from hushpost.imports.models import ImportKind, ImportRow, ImportRun, RowOutcome
from hushpost.imports.readers import (
    ImportRefused,
    MappingInvalid,
    Prepared,
    Reader,
    RowResult,
    Settler,
)
from hushpost.imports.reason_texts import english

MAX_CARDS = 50_000


class ContactCsvReader(Reader):
    kind = ImportKind.CONTACTS
    format = "csv"
    label = "CSV"
    extensions = (".csv", ".tsv", ".txt")
    maps_columns = True

    def recognises(self, file_name: str, text: str) -> bool:
        return not looks_like_vcard(text) and not file_name.lower().endswith((".vcf", ".ics"))

    def prepare(self, organization, text, mapping, *, now: datetime) -> Prepared:
        parsed = read_csv_text(text)
        fields = list(CustomField.objects.for_org(organization))
        if mapping is None:
            chosen = suggest_mapping(parsed.headers, fields)
        else:
            chosen, problems = mapping_from_names(mapping, parsed.headers, fields)
            if problems:
                raise MappingInvalid(problems)
        return Prepared(
            content=parsed.text, total=len(parsed.rows), headers=parsed.headers, mapping=chosen
        )

    def mapping_problems(self, headers: list[str], mapping: dict[str, str]) -> list[str]:
        return mapping_errors(mapping, headers)

    def records(self, run: ImportRun) -> list[ContactRecord]:
        headers, rows = read_rows(run.content)
        labels = label_columns(headers)
        return [
            csv_record(number, values, headers, run.mapping, labels)
            for number, values in enumerate(rows, start=2)
        ]

    def settler(self, run: ImportRun) -> ContactSettler:
        return ContactSettler(run)


def csv_record(
    number: int,
    values: list[str],
    headers: list[str],
    mapping: dict[str, str],
    labels: dict[int, int],
) -> ContactRecord:
    record = ContactRecord(line=number, values=values, name_parts=["", "", ""])
    if any(value.strip() for value in values[len(headers) :]):
        record.reasons.append(english(texts.MORE_CELLS, cells=len(values), columns=len(headers)))
    for index, target in sorted(((int(i), t) for i, t in mapping.items()), key=lambda x: x[0]):
        if target == IGNORE:
            continue
        raw = values[index] if index < len(values) else ""
        column = headers[index] or f"column {index + 1}"
        if target == "name":
            record.name = raw.strip()
        elif target in NAME_PARTS:
            record.name_parts[NAME_PARTS.index(target)] = raw
        elif target == "phone":
            record.phones.append(Candidate(column, raw, PhoneKind.MOBILE, primary=True))
        elif target == "other_phone":
            label = values[labels[index]] if index in labels and labels[index] < len(values) else ""
            kind = phone_kind(label) if index in labels else phone_kind(column)
            record.phones.append(Candidate(column, raw, kind))
        elif target == "email":
            record.emails.insert(0, Candidate(column, raw, primary=True))
        elif target == "other_email":
            record.emails.append(Candidate(column, raw))
        else:
            record.cells[target] = (column, raw)
    return record


def sample_rows(run: ImportRun, count: int = 3) -> list[list[str]]:
    _, rows = read_rows(run.content)
    return [row for row in rows if any(cell.strip() for cell in row)][:count]


class VCardReader(Reader):
    kind = ImportKind.CONTACTS
    format = "vcard"
    label = "vCard"
    extensions = (".vcf", ".vcard")

    def recognises(self, file_name: str, text: str) -> bool:
        return file_name.lower().endswith(self.extensions) or looks_like_vcard(text)

    def prepare(self, organization, text, mapping, *, now: datetime) -> Prepared:
        cards = split_cards(text)
        if not cards:
            raise ImportRefused(
                "The file has no vCards in it (BEGIN:VCARD … END:VCARD); "
                "export the contacts as vCard (.vcf) again."
            )
        if len(cards) > MAX_CARDS:
            raise ImportRefused(
                f"The file has {len(cards):,} cards; import at most {MAX_CARDS:,} at a time."
            )
        return Prepared(content=text, total=len(cards))

    def records(self, run: ImportRun) -> list[ContactRecord]:
        return [card_record(card) for card in split_cards(run.content)]

    def settler(self, run: ImportRun) -> ContactSettler:
        return ContactSettler(run)


class ContactSettler(Settler):
    run: ImportRun  # contacts are only ever settled inside an import run

    def __init__(self, run: ImportRun):
        super().__init__(run)
        self.on_duplicate = run.options.get("on_duplicate", OnDuplicate.REPORT)
        self.checker = RowChecker(
            self.organization, list(CustomField.objects.for_org(self.organization))
        )
        # (kind, value) -> the line that brought it, for duplicates within the file.
        self.seen: dict[tuple[str, str], int | None] = {}

    def remember(self, records: Sequence[ContactRecord], rows: Sequence[ImportRow]) -> None:
        """After a restart, learn which emails and phones the records already imported brought."""
        rejected = {row.line for row in rows if row.outcome == RowOutcome.REJECTED}
        for record in records:
            if record.line in rejected:
                continue
            row = self.checker.check(record)
            if row is not None and not row.reasons:
                for key in row.keys:
                    self.seen.setdefault(key, record.line)

    def settle(self, records: Sequence[ContactRecord]) -> list[RowResult]:
        checked = [row for record in records if (row := self.checker.check(record))]
        existing = self._existing_contacts(checked)
        created, updated, results = [], {}, []
        for row in checked:
            contact = self._match(row, existing)
            if row.reasons:
                results.append(self._result(row, RowOutcome.REJECTED))
                continue
            outcome = RowOutcome.ADDED
            if contact is None:
                contact = Contact(organization=self.organization)
                created.append(contact)
            else:
                before = _snapshot(contact)
                outcome = RowOutcome.UPDATED
            # The contact's keys before and after: a later row naming its
            # old phone is about the same person, not someone new.
            keys = row.keys + contact_keys(contact)
            apply_row(contact, row)
            if outcome == RowOutcome.UPDATED:
                if _snapshot(contact) == before:
                    outcome = RowOutcome.UNCHANGED
                else:
                    updated[contact.pk] = contact
            for key in keys + contact_keys(contact):
                self.seen.setdefault(key, row.number)
            results.append(self._result(row, outcome, contact))
        Contact.objects.bulk_create(created)
        for contact in updated.values():
            contact.save()
        return results

    @staticmethod
    def _result(row: CheckedRow, outcome: RowOutcome, contact: Contact | None = None) -> RowResult:
        return RowResult(
            outcome,
            line=row.number,
            uid=row.uid,
            reasons=row.reasons,
            warnings=row.warnings,
            object_id=str(contact.pk) if contact is not None else "",
            values=row.values,
        )

    def _existing_contacts(self, rows: list[CheckedRow]) -> dict[tuple[str, str], Contact]:
        emails = {value for row in rows for kind, value in row.keys if kind == "email"}
        phones = {value for row in rows for kind, value in row.keys if kind == "phone"}
        if not emails and not phones:
            return {}
        contacts = (
            Contact.objects.for_org(self.organization)
            .annotate(email_lower=Lower("email"))
            .filter(Q(email_lower__in=emails) | Q(phone__in=phones))
            .order_by("created_at", "pk")
        )
        found: dict[tuple[str, str], Contact] = {}
        for contact in contacts:
            for key in contact_keys(contact):
                found.setdefault(key, contact)
        return found

    def _match(self, row: CheckedRow, existing: dict[tuple[str, str], Contact]) -> Contact | None:
        """The contact this row updates, or None to create one; duplicates become reasons."""
        in_file = [
            (kind, self.seen[(kind, value)])
            for kind, value in row.keys
            if (kind, value) in self.seen
        ]
        for kind, number in in_file:
            text = (
                (texts.DUPLICATE_ROW_EMAIL if kind == "email" else texts.DUPLICATE_ROW_PHONE)
                if self.run.format == "csv"
                else (texts.DUPLICATE_LINE_EMAIL if kind == "email" else texts.DUPLICATE_LINE_PHONE)
            )
            row.reasons.append(english(text, number=number))
        if in_file:
            return None
        matches = {
            kind: existing[(kind, value)] for kind, value in row.keys if (kind, value) in existing
        }
        if not matches:
            return None
        if self.on_duplicate == OnDuplicate.REPORT:
            for kind in matches:
                row.reasons.append(
                    english(
                        texts.DUPLICATE_STORED_EMAIL
                        if kind == "email"
                        else texts.DUPLICATE_STORED_PHONE
                    )
                )
            return None
        if len({contact.pk for contact in matches.values()}) > 1:
            row.reasons.append(english(texts.DUPLICATE_TWO_CONTACTS))
            return None
        return next(iter(matches.values()))


def _snapshot(contact: Contact) -> tuple:
    return (
        contact.name,
        contact.phone,
        contact.email,
        contact.time_zone,
        contact.language,
        contact.sms_opt_out,
        contact.email_opt_out,
        sorted(contact.custom.items()),
        contact.secure_pin,
    )
