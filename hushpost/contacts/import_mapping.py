"""What each CSV column becomes: the targets, a first guess from the headers, and the rules.

A mapping is stored as {"<column index>": target}; a target is "ignore", a
contact field ("name", "phone", …) or "custom.<key>".
"""

from __future__ import annotations

from collections.abc import Iterable

from hushpost.contacts.csv_files import header_key
from hushpost.contacts.models import CustomField

IGNORE = "ignore"
CUSTOM_PREFIX = "custom."

STANDARD_TARGETS = {
    "name": "Name",
    "phone": "Mobile phone",
    "email": "Email",
    "time_zone": "Time zone",
    "language": "Language",
    "secure_pin": "Secure PIN",
    "sms_opt_out": "Opted out of text messages",
    "email_opt_out": "Opted out of email",
}

# Header spellings seen in exports from calendars, CRMs and spreadsheets,
# compared after header_key() (so "E-mail" and "e_mail" are both "email").
SYNONYMS = {
    "name": {
        "name",
        "fullname",
        "contactname",
        "clientname",
        "patientname",
        "contact",
        "client",
        "patient",
    },
    "phone": {
        "phone",
        "mobile",
        "mobilephone",
        "mobilenumber",
        "phonenumber",
        "cell",
        "cellphone",
        "cellnumber",
        "telephone",
        "tel",
        "sms",
        "smsnumber",
    },
    "email": {"email", "emailaddress", "mail"},
    "time_zone": {"timezone", "tz", "zone"},
    "language": {"language", "lang", "locale"},
    "secure_pin": {"securepin", "pin"},
    "sms_opt_out": {"smsoptout", "textoptout", "smsoptedout", "optoutsms"},
    "email_opt_out": {"emailoptout", "emailoptedout", "optoutemail"},
}


def custom_key(target: str) -> str | None:
    return target[len(CUSTOM_PREFIX) :] if target.startswith(CUSTOM_PREFIX) else None


def targets_for(fields: Iterable[CustomField]) -> list[tuple[str, str]]:
    """Every target a column can have in this organization, as (value, label)."""
    choices = [(IGNORE, "Don't import"), *STANDARD_TARGETS.items()]
    choices += [
        (CUSTOM_PREFIX + field.key, f"{field.label} (custom.{field.key})") for field in fields
    ]
    return choices


def unknown_custom_target(header: str, fields: Iterable[CustomField]) -> str | None:
    """`custom.<key>` when the header names a custom field this organization doesn't have."""
    header = header.strip()
    if not header.lower().startswith(CUSTOM_PREFIX):
        return None
    key = header[len(CUSTOM_PREFIX) :].strip()
    if not key or header_key(key) in {header_key(field.key) for field in fields}:
        return None
    return CUSTOM_PREFIX + key


def suggest_mapping(headers: list[str], fields: list[CustomField]) -> dict[str, str]:
    """A first guess from the header names; a target is never suggested twice."""
    by_name: dict[str, str] = {}
    for target, spellings in SYNONYMS.items():
        for spelling in spellings:
            by_name[spelling] = target
    for field in fields:
        # A custom field key or label wins over a synonym: the organization chose it.
        for spelling in (field.key, field.label, CUSTOM_PREFIX + field.key):
            by_name[header_key(spelling)] = CUSTOM_PREFIX + field.key

    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for index, header in enumerate(headers):
        target = unknown_custom_target(header, fields) or by_name.get(header_key(header), IGNORE)
        if target != IGNORE and target in taken:
            target = IGNORE
        taken.add(target)
        mapping[str(index)] = target
    return mapping


def mapping_errors(mapping: dict[str, str], headers: list[str]) -> list[str]:
    """What stops this mapping from being imported, in words for the mapping page."""
    errors = []
    used: dict[str, str] = {}
    for index, target in sorted(mapping.items(), key=lambda item: int(item[0])):
        if target == IGNORE:
            continue
        header = headers[int(index)] or f"column {int(index) + 1}"
        if target in used:
            errors.append(
                f"“{used[target]}” and “{header}” are both mapped to {target_label(target)}; "
                "choose one."
            )
        used.setdefault(target, header)
    if "name" not in used:
        errors.append("Choose the column that holds the contact's name.")
    if "phone" not in used and "email" not in used:
        errors.append(
            "Choose a column for the mobile phone or the email (or both): "
            "messages need somewhere to go."
        )
    return errors


def target_label(target: str) -> str:
    return STANDARD_TARGETS.get(target) or target
