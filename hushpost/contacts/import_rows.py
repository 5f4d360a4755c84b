"""Checking one imported contact (a CSV row or a vCard) and turning an accepted one into a contact.

Readers turn what they read into a ContactRecord: the name or its parts, the
phone and email candidates with their labels, and single-valued cells. The
checker picks the number to text (a mobile first, then an unlabelled number,
then any other, never a fax), the first usable email (skipping Exchange
addresses), joins name parts, and turns language names into codes.

Reasons and warnings are stored in clear and shown on the report page, so
they name the problem and the column but never repeat the value: that stays
in the encrypted copy of the row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from hushpost.accounts.models import Organization
from hushpost.contacts.import_mapping import custom_key
from hushpost.contacts.language_names import language_code
from hushpost.contacts.models import Contact, CustomField, FieldType
from hushpost.contacts.phone_labels import PhoneKind
from hushpost.contacts.phones import InvalidPhone, PhoneHasExtension, is_landline, normalize_phone
from hushpost.contacts.values import (
    clean_custom_value,
    clean_email,
    clean_flag,
    clean_time_zone,
    is_pin,
)
from hushpost.imports import reason_texts as texts
from hushpost.imports.readers import Record
from hushpost.imports.reason_texts import english

# CharFields: their max_length is always set.
NAME_MAX = cast(int, Contact._meta.get_field("name").max_length)
EMAIL_MAX = cast(int, Contact._meta.get_field("email").max_length)
PIN_MAX = 100
# Google Contacts puts every value of a multi-valued field in one cell, so separated.
MULTI_VALUE = " ::: "

# The texts live in reason_texts, which also shows them translated on the staff pages.
BAD_VALUE = {
    "name": english(texts.NAME_TOO_LONG, max=NAME_MAX),
    "phone": english(texts.BAD_PHONE),
    "email": english(texts.BAD_EMAIL),
    "time_zone": english(texts.BAD_TIME_ZONE),
    "secure_pin": english(texts.BAD_PIN),
    "sms_opt_out": english(texts.BAD_SMS_OPT_OUT),
    "email_opt_out": english(texts.BAD_EMAIL_OPT_OUT),
}
EXTENSION = english(texts.PHONE_EXTENSION)
_KIND_ORDER = {PhoneKind.MOBILE: 0, PhoneKind.GENERIC: 1, PhoneKind.OTHER: 2}


@dataclass
class Candidate:
    column: str  # Where it came from, for reasons: "Mobile Phone", "TEL (home)".
    raw: str
    kind: PhoneKind = PhoneKind.GENERIC
    primary: bool = False  # The column mapped as *the* mobile phone or *the* email.


@dataclass
class ContactRecord(Record):
    line: int | None = None
    uid: str = ""
    values: list[str] | None = None  # The CSV row as uploaded.
    name: str = ""
    name_parts: list[str] = field(default_factory=list)  # first, middle, last
    phones: list[Candidate] = field(default_factory=list)
    emails: list[Candidate] = field(default_factory=list)
    # Single-valued targets ("time_zone", "custom.<key>", …) → (column, raw).
    cells: dict[str, tuple[str, str]] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def is_blank(self) -> bool:
        return not (
            self.name
            or any(self.name_parts)
            or any(c.raw.strip() for c in self.phones + self.emails)
            or any(raw for _, raw in self.cells.values())
        )


@dataclass
class CheckedRow:
    number: int | None
    values: list[str] | None
    uid: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    custom: dict[str, str] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def keys(self) -> list[tuple[str, str]]:
        """What makes two contacts the same person: the email (any case) and the phone."""
        keys = []
        if self.fields.get("email"):
            keys.append(("email", self.fields["email"].lower()))
        if self.fields.get("phone"):
            keys.append(("phone", self.fields["phone"]))
        return keys


def contact_keys(contact: Contact) -> list[tuple[str, str]]:
    return [key for key in (("email", contact.email.lower()), ("phone", contact.phone)) if key[1]]


def is_exchange_address(raw: str) -> bool:
    """An Exchange/X.500 address as Outlook exports it (/o=ExchangeLabs/ou=…/cn=…): not email."""
    return raw.strip().lower().startswith("/o=") or ("@" not in raw and "/cn=" in raw.lower())


class RowChecker:
    def __init__(self, organization: Organization, fields: list[CustomField]):
        self.custom_fields = {field.key: field for field in fields}
        self._zones: dict[str, str | None] = {}
        self.region = organization.country
        self.cleaners: dict[str, Callable[[str], Any]] = {
            "time_zone": self._clean_time_zone,
            "secure_pin": self._clean_pin,
            "sms_opt_out": clean_flag,
            "email_opt_out": clean_flag,
        }

    def check(self, record: ContactRecord) -> CheckedRow | None:
        """The record's cleaned values and every reason to reject it; None for a blank row."""
        if record.is_blank:
            return None
        row = CheckedRow(
            number=record.line,
            values=record.values,
            uid=record.uid,
            reasons=list(record.reasons),
            warnings=list(record.warnings),
        )
        self._name(record, row)
        self._phone(record, row)
        self._email(record, row)
        for target, (column, raw) in record.cells.items():
            raw = raw.strip()
            if not raw:
                continue
            key = custom_key(target)
            if key is not None:
                self._check_custom(row, key, raw)
            elif target == "language":
                code = language_code(raw)
                if code is None:
                    row.warnings.append(english(texts.UNKNOWN_LANGUAGE, column=column))
                else:
                    row.fields["language"] = code
            else:
                try:
                    row.fields[target] = self.cleaners[target](raw)
                except ValueError:
                    row.reasons.append(BAD_VALUE[target])
        if (
            not row.fields.get("phone")
            and not row.fields.get("email")
            and not any(reason.startswith(("bad phone", "bad email")) for reason in row.reasons)
        ):
            row.reasons.append(english(texts.NO_PHONE_NO_EMAIL))
        return row

    def _name(self, record: ContactRecord, row: CheckedRow) -> None:
        name = " ".join(record.name.split()) or " ".join(
            " ".join(part.split()) for part in record.name_parts if part.strip()
        )
        if not name:
            row.reasons.append(english(texts.MISSING_NAME))
        elif len(name) > NAME_MAX:
            row.reasons.append(BAD_VALUE["name"])
        else:
            row.fields["name"] = name

    def _phone(self, record: ContactRecord, row: CheckedRow) -> None:
        """A mobile first, then an unlabelled number, then any other (said so); never a fax."""
        usable = [c for c in record.phones if c.raw.strip() and c.kind != PhoneKind.NOT_A_PHONE]
        ordered = sorted(usable, key=lambda c: 0 if c.primary else 1 + _KIND_ORDER[c.kind])
        chosen: tuple[Candidate, str] | None = None
        problems: list[tuple[Candidate, str]] = []
        for candidate in ordered:
            values = [v.strip() for v in candidate.raw.split(MULTI_VALUE) if v.strip()]
            for position, raw in enumerate(values):
                try:
                    number = normalize_phone(raw, self.region)
                except PhoneHasExtension:
                    problems.append((candidate, EXTENSION))
                    continue
                except InvalidPhone:
                    problems.append((candidate, english(texts.PHONE_INVALID)))
                    continue
                if chosen is None:
                    chosen = (candidate, number)
                    if len(values) > position + 1:
                        row.warnings.append(
                            english(
                                texts.MORE_NUMBERS,
                                column=candidate.column,
                                count=len(values) - position - 1,
                            )
                        )
                elif number != chosen[1]:
                    row.warnings.append(
                        english(
                            texts.ANOTHER_NUMBER, column=candidate.column, source=chosen[0].column
                        )
                    )
                break
        mobile_problems = [
            problem for c, problem in problems if c.primary or c.kind == PhoneKind.MOBILE
        ]
        if chosen is None and mobile_problems:
            # The mobile given can't be used and nothing else can: as before, the row waits
            # for a fixed number rather than importing without one.
            row.reasons.append(
                english(texts.BAD_PHONE_EXTENSION)
                if mobile_problems[0] == EXTENSION
                else BAD_VALUE["phone"]
            )
            return
        row.warnings.extend(
            english(texts.PHONE_NOT_IMPORTED, column=c.column, problem=problem)
            for c, problem in problems
        )
        if chosen is None:
            return
        candidate, number = chosen
        row.fields["phone"] = number
        if candidate.kind == PhoneKind.OTHER and not candidate.primary:
            row.warnings.append(english(texts.NO_MOBILE, column=candidate.column))
        if is_landline(number):
            row.warnings.append(english(texts.LANDLINE, column=candidate.column))

    def _email(self, record: ContactRecord, row: CheckedRow) -> None:
        chosen: str | None = None
        bad_primary = False
        for candidate in record.emails:
            values = [v.strip() for v in candidate.raw.split(MULTI_VALUE) if v.strip()]
            for position, raw in enumerate(values):
                if is_exchange_address(raw):
                    row.warnings.append(english(texts.EXCHANGE_ADDRESS, column=candidate.column))
                    continue
                try:
                    email = clean_email(raw)
                    if len(email) > EMAIL_MAX:
                        raise ValueError("too long")
                except ValueError:
                    if candidate.primary:
                        bad_primary = True
                    else:
                        row.warnings.append(english(texts.NOT_AN_EMAIL, column=candidate.column))
                    continue
                if chosen is None:
                    chosen = email
                    if len(values) > position + 1:
                        row.warnings.append(
                            english(
                                texts.MORE_ADDRESSES,
                                column=candidate.column,
                                count=len(values) - position - 1,
                            )
                        )
                elif email.lower() != chosen.lower():
                    row.warnings.append(english(texts.ANOTHER_ADDRESS, column=candidate.column))
                break
        if chosen is not None:
            row.fields["email"] = chosen
            if bad_primary:
                row.warnings.append(english(texts.FIRST_EMAIL_EMPTY))
        elif bad_primary:
            row.reasons.append(BAD_VALUE["email"])

    def _check_custom(self, row: CheckedRow, key: str, raw: str) -> None:
        custom_field = self.custom_fields.get(key)
        if custom_field is None:
            row.reasons.append(english(texts.UNKNOWN_FIELD, key=key))
            return
        try:
            row.custom[key] = clean_custom_value(custom_field, raw)
        except ValueError:
            text = (
                texts.FIELD_NOT_NUMBER
                if custom_field.field_type == FieldType.NUMBER
                else texts.FIELD_NOT_DATE
            )
            row.reasons.append(english(text, field=custom_field.label))

    @staticmethod
    def _clean_pin(raw: str) -> str:
        # The same rule as the contact form.
        if not is_pin(raw) or len(raw) > PIN_MAX:
            raise ValueError("not letters and digits")
        return raw

    def _clean_time_zone(self, raw: str) -> str:
        # clean_time_zone lists the zone database on every call (~6 ms);
        # a file repeats the same few zones thousands of times.
        if raw not in self._zones:
            try:
                self._zones[raw] = clean_time_zone(raw)
            except ValueError:
                self._zones[raw] = None
        zone = self._zones[raw]
        if zone is None:
            raise ValueError("not a time zone")
        return zone


def apply_row(contact: Contact, row: CheckedRow) -> None:
    """Copy the row's non-empty cells onto the contact; an empty cell keeps what the contact has."""
    for name, value in row.fields.items():
        if name == "secure_pin":
            contact.secure_pin = value
        else:
            setattr(contact, name, value)
    if row.custom:
        contact.custom = {**contact.custom, **row.custom}
