"""Every API error as problem JSON (RFC 9457): {"type", "title", "status", "detail"}.

422 adds "errors": [{"field", "message"}]. Nothing internal (exception text,
tracebacks, SQL) ever reaches a client: unexpected errors are logged here and
answered with a plain 500.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from http import HTTPStatus

from django.http import Http404, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

logger = logging.getLogger("hushpost.api")

CONTENT_TYPE = "application/problem+json"
UNEXPECTED = "Something went wrong on our side. The error was logged; try again later."


class Invalid(Exception):
    """A request the handler refuses field by field: answered 422."""

    def __init__(self, errors: Iterable[tuple[str, str]]):
        self.errors = list(errors)
        super().__init__("; ".join(f"{field}: {message}" for field, message in self.errors))


class RateLimited(Exception):
    """Over the key's requests per minute: answered 429 with when to try again."""

    def __init__(self, quota):
        self.quota = quota
        super().__init__("rate limited")


class NotFound(Http404):
    """An id that is not this organization's. Unknown and foreign ids look the same."""


def problem(
    status: int, detail: str, *, errors: list[dict[str, str]] | None = None, **headers: str
) -> HttpResponse:
    body: dict[str, object] = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
    }
    if errors is not None:
        body["errors"] = errors
    response = HttpResponse(json.dumps(body), status=status, content_type=CONTENT_TYPE)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def invalid(errors: list[tuple[str, str]]) -> HttpResponse:
    listed = [{"field": field, "message": message} for field, message in errors]
    summary = "; ".join(
        f"{field}: {message.rstrip('.')}" if field else message.rstrip(".")
        for field, message in errors
    )
    return problem(
        422,
        f"The request has {len(errors)} problem{'s' if len(errors) != 1 else ''}: {summary}.",
        errors=listed,
    )


def _field_name(location: tuple) -> str:
    # ninja locates errors as ("body", "<parameter>", "phone", …) or ("query", "limit");
    # clients know fields, not our parameter names.
    parts = [str(part) for part in location]
    if parts and parts[0] == "body":
        parts = parts[2:] if len(parts) > 2 else parts[1:]
    elif parts and parts[0] in ("query", "path", "header", "form", "file"):
        parts = parts[1:]
    return ".".join(parts) or "body"


def _message(error: dict) -> str:
    if error.get("type") == "missing":
        return "This field is required."
    return str(error.get("msg", "Invalid value.")).removeprefix("Value error, ")


def on_validation_error(request, exc: ValidationError) -> HttpResponse:
    errors = list(exc.errors)
    if errors and all(tuple(error.get("loc", ()))[:1] == ("path",) for error in errors):
        # A malformed id in the path names nothing: the same answer as an unknown id.
        return problem(404, "Nothing with this id.")
    return invalid(
        [(_field_name(tuple(error.get("loc", ()))), _message(error)) for error in errors]
    )


def on_invalid(request, exc: Invalid) -> HttpResponse:
    return invalid(exc.errors)


def on_http_error(request, exc: HttpError) -> HttpResponse:
    headers = {}
    if isinstance(exc, AuthenticationError) or exc.status_code == 401:
        headers["WWW_Authenticate"] = 'Bearer realm="hushpost"'
    return problem(exc.status_code, exc.message, **headers)


def on_not_found(request, exc: Http404) -> HttpResponse:
    # Only our own NotFound messages are meant for clients; Django's may name models.
    return problem(
        404, str(exc) if isinstance(exc, NotFound) and str(exc) else "Nothing with this id."
    )


def on_rate_limited(request, exc: RateLimited) -> HttpResponse:
    quota = exc.quota
    return problem(
        429,
        f"Too many requests with this API key: at most {quota.limit} a minute. "
        f"Try again in {quota.reset} s.",
        Retry_After=str(quota.reset),
        **quota.headers(),
    )


def on_unexpected(request, exc: Exception) -> HttpResponse:
    logger.exception("API error on %s %s", request.method, request.path, exc_info=exc)
    return problem(500, UNEXPECTED)


def install(api: NinjaAPI) -> None:
    api.add_exception_handler(ValidationError, on_validation_error)
    api.add_exception_handler(Invalid, on_invalid)
    api.add_exception_handler(HttpError, on_http_error)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(RateLimited, on_rate_limited)
    api.add_exception_handler(Exception, on_unexpected)
