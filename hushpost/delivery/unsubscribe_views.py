"""/u/<token>/: the List-Unsubscribe address of a bulk email.

GET shows a confirmation page and changes nothing (mail scanners fetch
every link). POST opts the contact out: the contact's button, or the mail
client's RFC 8058 one-click POST ("List-Unsubscribe=One-Click"), which comes
without cookies — so no CSRF token is asked; the signed token is the whole
authority, and all it can do is this one harmless change.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from hushpost.delivery.unsubscribe import contact_for, unsubscribe
from hushpost.private_page import private_page


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
# The token is in the URL: like the contact's secure page, no Referer may
# carry it, no cache keep the page, no frame hold it.
@private_page
def email_unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    contact = contact_for(token)
    if contact is None:
        return _page(request, "delivery/unsubscribe_not_valid.html", None, status=404)
    if request.method == "POST":
        unsubscribe(contact, one_click=request.POST.get("List-Unsubscribe") == "One-Click")
        return _page(request, "delivery/unsubscribed.html", contact)
    return _page(request, "delivery/unsubscribe.html", contact)


def _page(request: HttpRequest, template: str, contact, *, status: int = 200) -> HttpResponse:
    language = contact.language if contact else translation.get_language_from_request(request)
    context = {"contact": contact, "organization": contact.organization if contact else None}
    with translation.override(language):
        response = render(request, template, context, status=status)
        response.headers["Content-Language"] = translation.get_language()
    return response
