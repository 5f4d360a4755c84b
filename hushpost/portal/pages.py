"""Rendering portal pages in the contact's language and time zone.

Pages that know no contact (a bad link, an ended session) speak the
browser's language instead: they must not reveal whose link it was.
"""

from __future__ import annotations

import zoneinfo

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation

from hushpost.contacts.models import Contact
from hushpost.portal.language import choices as language_choices
from hushpost.portal.language import page_language

# settings.TEMPLATES: the portal's own engine, without the staff app's context processors.
TEMPLATE_ENGINE = "portal"


def render_page(
    request: HttpRequest,
    template: str,
    context: dict | None = None,
    *,
    contact: Contact | None = None,
    status: int = 200,
) -> HttpResponse:
    language = page_language(request, contact.language if contact else None)
    zone = _zone(contact.effective_time_zone) if contact else None
    context = {
        "organization": contact.organization if contact else None,
        # Only a page that knows the contact offers the switch (portal/language.py).
        "languages": language_choices() if contact else None,
        "return_path": request.path,
        **(context or {}),
    }
    # Rendered inside the overrides: dates, numbers and every gettext string
    # come out in the contact's terms, and nothing leaks into the next request.
    with translation.override(language), timezone.override(zone or timezone.get_default_timezone()):
        response = render(request, template, context, status=status, using=TEMPLATE_ENGINE)
        response.headers["Content-Language"] = translation.get_language()
    return response


def not_valid(request: HttpRequest) -> HttpResponse:
    """One page for every bad token — unknown, malformed, tampered or revoked — so
    none tells them apart."""
    return render_page(request, "portal/not_valid.html", status=404)


def _zone(name: str) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None
