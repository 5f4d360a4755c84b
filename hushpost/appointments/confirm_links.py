"""`{{ appointment.confirm_link }}`: a signed link for one appointment, for email and
secure messages, where a text's "reply C" doesn't fit.

The token is the appointment's id signed with the secret key (its own salt),
so it can't be guessed or turned into another appointment's; it needs no row
of its own. It holds until the appointment starts — checked when it is used,
so a rescheduled appointment's link follows the new time. Its page lives in
the portal (portal/confirm_views.py); here, by URL name only.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core import signing
from django.urls import reverse

from hushpost.appointments.models import Appointment

SALT = "hushpost.appointments.confirm-link"


def confirm_token(appointment: Appointment) -> str:
    return signing.Signer(salt=SALT).sign(appointment.pk.hex)


def confirm_url(appointment: Appointment) -> str:
    return settings.BASE_URL + reverse("portal:confirm", args=[confirm_token(appointment)])


def appointment_for_token(token: str) -> Appointment | None:
    """The appointment a token was made for; None for anything forged, mangled or gone."""
    try:
        pk = uuid.UUID(hex=signing.Signer(salt=SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        return None
    return (
        Appointment.objects.select_related("organization", "contact__organization", "staff")
        .filter(pk=pk)
        .first()
    )
