"""A contact's values staff see as •••• until they ask: the secure PIN and the
values of sensitive custom fields.

Showing one in clear is a Reveal, and every Reveal is an audit event (who,
which contact, which value, where). Previews of messages mask the same
values wherever they appear in the rendered text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.contacts.models import Contact, CustomField

MASK = "••••"
SECURE_PIN = "secure_pin"
CUSTOM_PREFIX = "custom."
# Shorter values are masked only as whole words: a one-letter value must not
# blank out every occurrence of that letter.
SUBSTRING_MIN = 3


class UnknownValue(ValueError):
    """Not a value of this contact that can be revealed."""


def sensitive_fields(contact: Contact) -> list[CustomField]:
    return list(CustomField.objects.for_org(contact.organization_id).filter(sensitive=True))


def value_of(contact: Contact, name: str) -> tuple[str, str]:
    """The label and the clear value of `secure_pin` or `custom.<key>` (a sensitive field)."""
    if name == SECURE_PIN:
        return "the secure PIN", contact.secure_pin
    if name.startswith(CUSTOM_PREFIX):
        key = name.removeprefix(CUSTOM_PREFIX)
        for field in sensitive_fields(contact):
            if field.key == key:
                return field.label, str(contact.custom.get(key, ""))
    raise UnknownValue(f"{name} is not a masked value of this contact.")


def reveal(contact: Contact, name: str, *, actor, where: str) -> str:
    """Show one masked value in clear, recorded in the audit trail first."""
    what, value = value_of(contact, name)
    record_reveal(contact, actor=actor, what=what, where=where)
    return value


def record_reveal(contact: Contact, *, actor, what: str, where: str) -> None:
    record(
        contact.organization,
        EventKind.SENSITIVE_VALUE_REVEALED,
        contact=contact,
        actor=actor,
        value=what,
        via=where,
    )


def secret_values(contact: Contact | None, extra: Iterable[str | None] = ()) -> list[str]:
    """What a preview for `contact` must not show in clear: its PIN, its sensitive
    custom values, and `extra` (the PIN in force), longest first."""
    values: list[str] = list(filter(None, extra))
    if contact is not None and contact.pk is not None:
        values.append(contact.secure_pin)
        values.extend(str(value) for value in contact.custom_sensitive.values())
    cleaned = {value.strip() for value in values if value and value.strip()}
    return sorted(cleaned, key=len, reverse=True)


def mask(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if len(secret) >= SUBSTRING_MIN:
            text = text.replace(secret, MASK)
        else:
            text = re.sub(rf"(?<!\w){re.escape(secret)}(?!\w)", MASK, text)
    return text
