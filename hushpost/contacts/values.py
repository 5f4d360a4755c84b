"""Checking and normalising the values typed or imported for a contact."""

from __future__ import annotations

import datetime
import zoneinfo
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from hushpost.contacts.models import LANGUAGE_CODES, CustomField, FieldType

TRUE_WORDS = {"1", "true", "yes", "y", "on", "x"}
FALSE_WORDS = {"", "0", "false", "no", "n", "off"}
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y")


def clean_custom_value(field: CustomField, raw: str) -> str:
    """The stored form of a custom field value: text as typed, numbers canonical, dates ISO."""
    raw = (raw or "").strip()
    if not raw or field.field_type == FieldType.TEXT:
        return raw
    if field.field_type == FieldType.NUMBER:
        try:
            number = Decimal(raw.replace(",", ""))
        except InvalidOperation:
            raise ValueError(f"{field.label}: “{raw}” is not a number") from None
        if not number.is_finite():
            raise ValueError(f"{field.label}: “{raw}” is not a number")
        return (
            format(number.normalize(), "f") if number != number.to_integral() else str(int(number))
        )
    for fmt in DATE_FORMATS:
        try:
            return datetime.datetime.strptime(raw, fmt).date().isoformat()
        except ValueError:
            continue
    raise ValueError(f"{field.label}: “{raw}” is not a date; use YYYY-MM-DD")


def is_pin(raw: str) -> bool:
    """A PIN is ASCII letters and digits: what every phone keyboard can type the same way."""
    return raw.isascii() and raw.isalnum()


def clean_email(raw: str) -> str:
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        validate_email(raw)
    except ValidationError:
        raise ValueError(f"“{raw}” is not an email address") from None
    local, _, domain = raw.rpartition("@")
    return f"{local}@{domain.lower()}"


def clean_time_zone(raw: str) -> str:
    raw = (raw or "").strip()
    if raw and raw not in zoneinfo.available_timezones():
        raise ValueError(f"“{raw}” is not a time zone; use a name such as America/New_York")
    return raw


def clean_language(raw: str) -> str:
    raw = (raw or "").strip().lower()
    if not raw:
        return "en"
    if raw not in LANGUAGE_CODES:
        raise ValueError(
            f"“{raw}” is not a supported language code ({', '.join(sorted(LANGUAGE_CODES))})"
        )
    return raw


def clean_flag(raw: str) -> bool:
    word = (raw or "").strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ValueError(f"“{raw}” is not yes or no")
