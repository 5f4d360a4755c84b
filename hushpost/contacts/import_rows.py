"""Checking one CSV row against a mapping, and turning an accepted row into a contact.

Reasons are stored in clear and shown on the report page, so they name the
problem and the column but never repeat the value: that stays in the
encrypted copy of the row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, cast

from hushpost.accounts.models import Organization
from hushpost.contacts.import_mapping import IGNORE, custom_key
from hushpost.contacts.models import Contact, CustomField, FieldType
from hushpost.contacts.phones import normalize_phone
from hushpost.contacts.values import (
    clean_custom_value,
    clean_email,
    clean_flag,
    clean_language,
    clean_time_zone,
    is_pin,
)

# CharFields: their max_length is always set.
NAME_MAX = cast(int, Contact._meta.get_field("name").max_length)
EMAIL_MAX = cast(int, Contact._meta.get_field("email").max_length)
PIN_MAX = 100

BAD_VALUE = {
    "name": f"name too long ({NAME_MAX} characters at most)",
    "phone": "bad phone (not a valid mobile number; add the country code)",
    "email": "bad email",
    "time_zone": "bad time zone (use a name such as America/New_York)",
    "language": "bad language (use a code such as en or es)",
    "secure_pin": "bad secure PIN (letters and digits only)",
    "sms_opt_out": "bad SMS opt-out (use yes or no)",
    "email_opt_out": "bad email opt-out (use yes or no)",
}
KEY_LABELS = {"email": "email", "phone": "mobile phone"}


@dataclass
class CheckedRow:
    number: int  # The line in the file, the header being 1.
    values: list[str]
    fields: dict[str, Any] = field(default_factory=dict)
    custom: dict[str, str] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)

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


class RowChecker:
    def __init__(
        self,
        organization: Organization,
        mapping: dict[str, str],
        fields: list[CustomField],
        width: int,
    ):
        self.width = width
        self.columns = sorted(
            ((int(index), target) for index, target in mapping.items() if target != IGNORE),
            key=lambda item: item[0],
        )
        self.custom_fields = {field.key: field for field in fields}
        self._zones: dict[str, str | None] = {}
        region = organization.country
        self.cleaners: dict[str, Callable[[str], Any]] = {
            "name": self._clean_name,
            "phone": lambda raw: normalize_phone(raw, region),
            "email": self._clean_email,
            "time_zone": self._clean_time_zone,
            "language": clean_language,
            "secure_pin": self._clean_pin,
            "sms_opt_out": clean_flag,
            "email_opt_out": clean_flag,
        }

    def check(self, number: int, values: list[str]) -> CheckedRow | None:
        """The row's cleaned values and every reason to reject it; None for a blank row."""
        if not any(value.strip() for value in values):
            return None
        row = CheckedRow(number=number, values=values)
        if any(value.strip() for value in values[self.width :]):
            row.reasons.append(
                f"more cells ({len(values)}) than columns ({self.width}); check the quoting"
            )
        present = set()
        for index, target in self.columns:
            raw = values[index].strip() if index < len(values) else ""
            if not raw:
                continue
            present.add(target)
            key = custom_key(target)
            if key is not None:
                self._check_custom(row, key, raw)
                continue
            try:
                row.fields[target] = self.cleaners[target](raw)
            except ValueError:
                row.reasons.append(BAD_VALUE[target])
        if "name" not in present:
            row.reasons.append("missing name")
        if "phone" not in present and "email" not in present:
            row.reasons.append("no phone and no email")
        return row

    def _check_custom(self, row: CheckedRow, key: str, raw: str) -> None:
        custom_field = self.custom_fields.get(key)
        if custom_field is None:
            row.reasons.append(f"unknown field {key}")
            return
        try:
            row.custom[key] = clean_custom_value(custom_field, raw)
        except ValueError:
            expected = (
                "a number"
                if custom_field.field_type == FieldType.NUMBER
                else "a date (use YYYY-MM-DD)"
            )
            row.reasons.append(f"bad {custom_field.label}: not {expected}")

    @staticmethod
    def _clean_name(raw: str) -> str:
        if len(raw) > NAME_MAX:
            raise ValueError("too long")
        return raw

    @staticmethod
    def _clean_email(raw: str) -> str:
        email = clean_email(raw)
        if len(email) > EMAIL_MAX:
            raise ValueError("too long")
        return email

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
