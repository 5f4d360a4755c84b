"""Telling an organization's owners that one of their webhook endpoints was turned off."""

from __future__ import annotations

import logging

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import pgettext

from hushpost.accounts.models import Role, User
from hushpost.accounts.staff_languages import by_language
from hushpost.outgoing_email import OutgoingEmail
from hushpost.webhooks.models import WebhookEndpoint

logger = logging.getLogger(__name__)


def tell_owners_disabled(endpoint_id, reason: str) -> int:
    """One email to the active owners; how many were addressed. Names the URL, never data."""
    endpoint = WebhookEndpoint.objects.select_related("organization").filter(pk=endpoint_id).first()
    if endpoint is None:
        return 0
    owners = list(
        User.objects.filter(
            organization_id=endpoint.organization_id, role=Role.OWNER, is_active=True
        ).values_list("email", flat=True)
    )
    if not owners:
        return 0
    page = settings.BASE_URL + reverse("web:webhook_detail", args=[endpoint.pk])
    values = {"url": endpoint.url, "organization": endpoint.organization.name, "reason": reason}
    try:
        for language, group in by_language(owners).items():
            with translation.override(language):
                text = pgettext(
                    "staff",
                    "The webhook endpoint %(url)s of %(organization)s was turned off: %(reason)s.",
                )
                advice = pgettext(
                    "staff",
                    "Events are no longer sent to it. Fix the receiver, then turn the endpoint "
                    "on again and replay what it missed:",
                )
                OutgoingEmail(
                    subject=pgettext("staff", "Hushpost turned off a webhook endpoint"),
                    body=f"{text % values}\n\n{advice}\n{page}\n",
                    to=group,
                ).send()
    except Exception:
        # The endpoint is off either way and the page says why; a mail server
        # that is down must not undo that.
        logger.exception("could not email the owners about webhook endpoint %s", endpoint_id)
        return 0
    return len(owners)
