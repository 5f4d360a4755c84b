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
from django.utils.cache import add_never_cache_headers
from django.utils.csp import CSP, build_policy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from hushpost.delivery.unsubscribe import contact_for, unsubscribe

# Like the contact's secure page: no script, nothing from elsewhere, no frames.
PAGE_CSP = {
    "default-src": [CSP.NONE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
}


@csrf_exempt
@require_http_methods(["GET", "HEAD", "POST"])
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
    # The token is in the URL: no Referer may carry it, no cache keep the page, no frame hold it.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers[str(CSP.HEADER_ENFORCE)] = build_policy(PAGE_CSP)
    add_never_cache_headers(response)
    return response
