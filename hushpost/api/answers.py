"""What the API answers outside its operations, and around each of them.

Every answer under /api/ is problem JSON: ninja's own answers before an
operation runs (an unknown method, the API root), anything that matches no
operation, and the error pages Django makes itself (a CSRF refusal, a body
too large to read, a crash) — all in RFC 9457's shape, never an HTML page.
"""

from __future__ import annotations

from functools import wraps
from http import HTTPStatus

from django.http import Http404, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from hushpost.api.problems import CONTENT_TYPE, UNEXPECTED, problem


def outside_operations(view):
    """Problem JSON for what ninja answers before any operation runs.

    An unknown method gets ninja's plain-text 405 and the API root raises a bare
    Http404 that Django would render as an HTML page.
    """

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            response = view(request, *args, **kwargs)
        except Http404:
            return problem(404, "There is no such API endpoint; see /api/v1/docs.")
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/"
        ):
            return problem(405, f"{request.method} is not allowed here.", Allow=response["Allow"])
        quota = getattr(request, "api_quota", None)
        if quota is not None:
            for name, value in quota.headers().items():
                response.setdefault(name, value)
        return response

    return wrapper


@csrf_exempt  # the API takes no cookies: CSRF can't apply, and its 403 page is HTML
def no_such_endpoint(request, *args, **kwargs) -> HttpResponse:
    return problem(404, "There is no such API endpoint; see /api/v1/docs.")


def as_problem(response: HttpResponse) -> HttpResponse:
    """A problem JSON answer in place of an error page Django made (CSRF, 400, 413, 500),
    keeping its status and its other headers."""
    status = response.status_code
    detail = {
        400: "The request could not be read (malformed, or larger than allowed).",
        403: "Refused. The API takes an API key (Authorization: Bearer <key>), not cookies.",
        404: "There is no such API endpoint; see /api/v1/docs.",
        413: "The request is too large.",
    }.get(status, UNEXPECTED if status >= 500 else HTTPStatus(status).phrase + ".")
    answer = problem(status, detail)
    for name, value in response.items():
        if name.lower() not in ("content-type", "content-length", "content-disposition"):
            answer[name] = value
    return answer


class ProblemAnswersMiddleware:
    """Every error under /api/ is problem JSON, including those Django answers
    outside the API's handlers (a CSRF refusal, a body too large to read, a crash)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and response.status_code >= 400
            and not response.get("Content-Type", "").startswith(CONTENT_TYPE)
        ):
            return as_problem(response)
        return response
