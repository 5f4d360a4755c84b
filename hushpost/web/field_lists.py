"""The "Fields you can use" lists of the template editors: each field with what it holds."""

from __future__ import annotations

from collections.abc import Iterable

from hushpost.appointments.template_fields import APPOINTMENT_FIELD_HELP
from hushpost.messaging.template_fields import FIELD_HELP

_HELP = {
    **FIELD_HELP,
    **{f"appointment.{name}": text for name, text in APPOINTMENT_FIELD_HELP.items()},
}


def described(names: Iterable[str]) -> list[tuple[str, str]]:
    """(field, what it holds — empty when the name says it all), in the order given."""
    return [(name, str(_HELP.get(name, ""))) for name in names]
