"""Mobile numbers: parsed with the organization's country as default, stored as E.164."""

from __future__ import annotations

import phonenumbers


class InvalidPhone(ValueError):
    pass


def normalize_phone(raw: str, region: str) -> str:
    """Return `raw` as E.164 ("+14155550123"), or raise InvalidPhone saying what is wrong."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise InvalidPhone(
            f"“{raw}” is not a phone number; type it with its country code, "
            "such as +1 415 555 0123."
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(
            f"“{raw}” is not a valid phone number for "
            f"{phonenumbers.region_code_for_number(number) or region}; "
            "check the digits or add the country code."
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str) -> str:
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
