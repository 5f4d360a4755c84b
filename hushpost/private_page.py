"""The headers of a page reached by a secret in its URL: the portal's pages
and the email unsubscribe page.

No Referer may carry the token away, no cache may keep the page, no frame
may hold it, and the page runs no script at all. Beside the apps (like
crypto/) because both `portal` and `delivery` use it and it imports neither.
"""

from __future__ import annotations

from functools import wraps

from django.http import HttpResponse
from django.utils.cache import add_never_cache_headers
from django.utils.csp import CSP, build_policy

# Stricter than the staff pages: no script, nothing from elsewhere, no frames.
PRIVATE_PAGE_CSP: dict[str, list[str]] = {
    "default-src": [CSP.NONE],
    "style-src": [CSP.SELF],
    # Pico draws its form icons as data: SVGs.
    "img-src": [CSP.SELF, "data:"],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.NONE],
}


# The same for every response: written once.
_POLICY = build_policy(PRIVATE_PAGE_CSP)
_CSP_HEADER = str(CSP.HEADER_ENFORCE)
# Set on a response once it has the headers: the portal's middleware, there for the
# errors no view decorator sees, and the staff no-store middleware then have
# nothing to add, and don't pay for adding it again on every page.
_GIVEN = "hushpost_private_page_headers"


def add_private_page_headers(response: HttpResponse) -> HttpResponse:
    if has_private_page_headers(response):
        return response
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    add_never_cache_headers(response)
    if _CSP_HEADER not in response:
        response.headers[_CSP_HEADER] = _POLICY
    setattr(response, _GIVEN, True)
    return response


def has_private_page_headers(response: HttpResponse) -> bool:
    """Whether add_private_page_headers gave this response its headers (never-cache too)."""
    return getattr(response, _GIVEN, False)


def private_page(view):
    """The view's every response gets the headers above."""

    @wraps(view)
    def wrapped(request, *args, **kwargs) -> HttpResponse:
        return add_private_page_headers(view(request, *args, **kwargs))

    return wrapped
