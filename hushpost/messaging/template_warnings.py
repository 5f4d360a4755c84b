"""R12: a warning (never a refusal) when a notification template carries
fields that may be sensitive.

A notification travels in clear — on a lock screen, in a shared inbox, past
every mail scanner — so it should hold little beyond `{{ secure_link }}`. An
appointment's title, place or time, or a custom field marked sensitive, can
say more than the contact wants said ("Oncology follow-up, Tuesday 9:30").
Organizations may still choose to send them: this only says so.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import pgettext

from hushpost.accounts.models import Organization
from hushpost.contacts.models import CustomField
from hushpost.messaging.rendering import fields_used

# Appointment fields that say what, where or when.
APPOINTMENT_SENSITIVE = {
    "appointment.title": "the appointment's title",
    "appointment.location": "the appointment's location",
}
APPOINTMENT_DATES = ("appointment.start", "appointment.end")


def sensitive_fields_in(organization: Organization, sources: Iterable[str]) -> list[str]:
    """What in these templates may be sensitive, in words, in the order first met."""
    used: list[str] = []
    for source in sources:
        for name in sorted(fields_used(source or "")):
            if name not in used:
                used.append(name)
    if not used:
        return []
    sensitive_custom = dict(
        CustomField.objects.for_org(organization).filter(sensitive=True).values_list("key", "label")
    )
    found: list[str] = []
    for name in used:
        if name in APPOINTMENT_SENSITIVE:
            words = APPOINTMENT_SENSITIVE[name]
        elif name.startswith(APPOINTMENT_DATES):
            words = pgettext("staff", "the appointment's date or time")
        elif name.startswith("custom.") and name.removeprefix("custom.") in sensitive_custom:
            words = f"{sensitive_custom[name.removeprefix('custom.')]} (a sensitive field)"
        else:
            continue
        if words not in found:
            found.append(words)
    return found
