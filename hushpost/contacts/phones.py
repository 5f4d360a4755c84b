"""Mobile numbers: parsed with the organization's country as default, stored as E.164."""

from __future__ import annotations

import phonenumbers


class InvalidPhone(ValueError):
    pass


class PhoneHasExtension(InvalidPhone):
    """A number with an extension: a text can't reach an extension, and E.164 has no room for it."""


# Numbers no text message can reach, by phonenumbers' number type. VoIP and
# "fixed line or mobile" (all of North America) may well take texts.
CANNOT_TEXT = {
    phonenumbers.PhoneNumberType.FIXED_LINE,
    phonenumbers.PhoneNumberType.TOLL_FREE,
    phonenumbers.PhoneNumberType.PREMIUM_RATE,
    phonenumbers.PhoneNumberType.SHARED_COST,
    phonenumbers.PhoneNumberType.UAN,
    phonenumbers.PhoneNumberType.VOICEMAIL,
    phonenumbers.PhoneNumberType.PAGER,
}
LANDLINE_REASON = "the phone number is a landline, which can't receive text messages"


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
    if number.extension:
        raise PhoneHasExtension(
            f"“{raw}” has an extension (ext. {number.extension}), which a text message can't "
            "reach; give a direct or mobile number without it."
        )
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(
            f"“{raw}” is not a valid phone number for "
            f"{phonenumbers.region_code_for_number(number) or region}; "
            "check the digits or add the country code."
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def is_landline(e164: str) -> bool:
    """Whether this stored number surely can't receive texts (a landline, toll-free, …)."""
    if not e164:
        return False
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(number) in CANNOT_TEXT


def display_phone(e164: str) -> str:
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
