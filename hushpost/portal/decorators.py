"""What every portal response carries, whatever the view returned.

Applied to every portal view (and the catch-all under /s/), so the
not-valid page, a CSRF refusal and a 405 get the same headers as the
conversation. The token sits in the URL of these pages: no Referer may carry
it away, no cache may keep the page, no frame may hold it.
"""

from __future__ import annotations

from functools import wraps

from django.http import Http404, HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.views.decorators.csrf import csrf_exempt

from hushpost.messaging.conversations import MAX_REPLY_ATTACHMENT_BYTES
from hushpost.portal.pages import not_valid, render_page
from hushpost.private_page import add_private_page_headers

# A reply's file plus its text and the form around it; anything larger is
# refused before the body is read.
MAX_REQUEST_BYTES = MAX_REPLY_ATTACHMENT_BYTES + 1024 * 1024

_csrf = CsrfViewMiddleware(lambda request: HttpResponse())


def portal_view(view):
    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = _refusal(request, view, args, kwargs)
        if response is None:
            try:
                response = view(request, *args, **kwargs)
            except Http404:
                response = not_valid(request)
        return add_private_page_headers(response)

    # The CSRF check runs inside (see _refusal), so that its refusal gets the
    # portal's page and headers too instead of Django's unstyled one.
    return csrf_exempt(wrapped)


def _refusal(request: HttpRequest, view, args, kwargs) -> HttpResponse | None:
    if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
        return None
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_REQUEST_BYTES:
        return render_page(
            request, "portal/too_large.html", {"max_size": MAX_REPLY_ATTACHMENT_BYTES}, status=413
        )
    _trust_own_null_origin(request)
    if _csrf.process_view(request, view, args, kwargs) is not None:
        return render_page(request, "portal/form_expired.html", status=403)
    return None


def _trust_own_null_origin(request: HttpRequest) -> None:
    """Let our own forms through Django's Origin check despite `Referrer-Policy: no-referrer`.

    Under no-referrer, browsers send `Origin: null` with every form POST, even
    to the same origin (Fetch spec, "serializing a request origin"), and no
    Referer: Django's CSRF check would refuse every portal form. A browser that
    also says `Sec-Fetch-Site: same-origin` is posting one of our own pages, so
    we name our origin for it. A cross-site post says `cross-site` and keeps its
    null origin (refused). Browsers too old to send Sec-Fetch-Site still need
    the CSRF cookie — SameSite=Lax, so never sent on a cross-site POST — and
    the token from the form.
    """
    if request.META.get("HTTP_ORIGIN") != "null":
        return
    if request.META.get("HTTP_SEC_FETCH_SITE", "same-origin") != "same-origin":
        return
    request.META["HTTP_ORIGIN"] = f"{request.scheme}://{request.get_host()}"
