"""Email opens (R7.2): a signed 1×1 image per email delivery.

The image's address names the delivery, signed so nobody can mark someone
else's email opened; it holds nothing about the message. The first open is
logged; later ones only add to the delivery's `repeat_opens`. A bad or unknown
address still gets the image, so the answer tells nothing.
"""

from __future__ import annotations

import base64

from django.conf import settings
from django.core import signing
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_safe

from hushpost.activity.log import record
from hushpost.activity.models import Event, EventKind
from hushpost.delivery.models import Channel, Delivery

SALT = "hushpost.delivery.tracking.open"
GIF = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def pixel_url(delivery_id: str) -> str:
    token = signing.Signer(salt=SALT).sign(str(delivery_id))
    return settings.BASE_URL + reverse("email_open", args=[token])


def record_open(token: str) -> bool:
    """Log the first open of an email delivery; True when this call logged it."""
    try:
        delivery_id = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature:
        return False
    delivery = (
        Delivery.objects.select_related("organization", "contact", "message", "link")
        .filter(pk=delivery_id, channel=Channel.EMAIL)
        .first()
    )
    return delivery is not None and note_open(delivery)


def note_open(delivery: Delivery, *, actor_label: str = "contact", **detail) -> bool:
    """The one rule for every sign of an open (our image, an email service's webhook):
    logged once per delivery, then counted (reading an email again, or both signs for one
    reading, adds to the count)."""
    if Event.objects.filter(delivery=delivery, kind=EventKind.EMAIL_OPENED).exists():
        Delivery.objects.filter(pk=delivery.pk).update(repeat_opens=F("repeat_opens") + 1)
        return False
    record(
        delivery.organization,
        EventKind.EMAIL_OPENED,
        contact=delivery.contact,
        message=delivery.message,
        delivery=delivery,
        link=delivery.link,
        actor_label=actor_label,
        **detail,
    )
    return True


@require_safe
def email_open(request: HttpRequest, token: str) -> HttpResponse:
    record_open(token)
    response = HttpResponse(GIF, content_type="image/gif")
    add_never_cache_headers(response)
    return response
