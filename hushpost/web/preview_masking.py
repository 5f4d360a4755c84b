"""Previews show a real contact's message: their PIN and sensitive custom values
are masked (••••) until the staff member presses Reveal, which is audited."""

from __future__ import annotations

from django.http import HttpRequest

from hushpost.contacts.models import Contact
from hushpost.contacts.sensitive import record_reveal, secret_values

REVEALED = "the PIN and sensitive values in a preview"


def masks_for(
    request: HttpRequest, contact: Contact | None, *, pins=(), where: str
) -> tuple[list[str], bool]:
    """The values to mask in a preview for `contact` and whether they were revealed:
    a POST with `reveal` shows them, recorded first."""
    real = contact if contact is not None and contact.pk is not None else None
    if real is not None and request.method == "POST" and request.POST.get("reveal"):
        record_reveal(real, actor=request.user, what=REVEALED, where=where)
        return [], True
    return secret_values(real, pins), False
