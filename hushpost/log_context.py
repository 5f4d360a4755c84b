"""Log lines an operator can follow: JSON or text, each with its request id and delivery id.

HUSHPOST_LOG_FORMAT=json (the production default) writes one JSON object a
line; text (development's) the familiar line with the ids at the end. Both
come from the standard library's logging with the small formatter below
rather than structlog: Django, gunicorn, django-tasks and every library log
through the standard library anyway, so one formatter on one handler covers
every line without a second logging system to bridge (docs/ARCHITECTURE.md).

The ids travel in context variables: the web sets a request id per request
(and answers it as X-Request-ID); a delivery queued while serving a request
or a scheduler tick carries that id into its task, and the worker logs the
send under it with the delivery's id. What is logged stays what it was:
ids, never content — tests/project/test_no_leaks.py reads every line.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

_request_id: ContextVar[str] = ContextVar("hushpost_request_id", default="")
_delivery_id: ContextVar[str] = ContextVar("hushpost_delivery_id", default="")

# What a proxy may hand us as the request id: short and plain, nothing a log reader trips on.
_INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
HEADER = "X-Request-ID"


def new_id() -> str:
    return uuid.uuid4().hex


def request_id() -> str:
    return _request_id.get()


@contextmanager
def bound(*, request_id: str | None = None, delivery_id: str | None = None) -> Iterator[None]:
    """Log under these ids until the block ends (None leaves an id as it is)."""
    tokens = []
    if request_id is not None:
        tokens.append((_request_id, _request_id.set(request_id)))
    if delivery_id is not None:
        tokens.append((_delivery_id, _delivery_id.set(str(delivery_id))))
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


class ContextFilter(logging.Filter):
    """Puts the current ids on every record the handler writes."""

    def filter(self, record: logging.LogRecord) -> bool:
        request, delivery = _request_id.get(), _delivery_id.get()
        record.request_id = request
        record.delivery_id = delivery
        ids = " ".join(
            f"{name}={value}"
            for name, value in (("request", request), ("delivery", delivery))
            if value
        )
        record.ids = f" [{ids}]" if ids else ""
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in ("request_id", "delivery_id"):
            if value := getattr(record, name, ""):
                line[name] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def logging_config(*, log_format: str, level: str) -> dict:
    """settings.LOGGING, and gunicorn's own lines in the same format (hushpost/cli.py)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "text": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s%(ids)s"},
            "json": {"()": "hushpost.log_context.JsonFormatter"},
        },
        "filters": {
            "context": {"()": "hushpost.log_context.ContextFilter"},
            "hide_link_tokens": {"()": "hushpost.portal.log_filters.HideLinkTokens"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": ["context"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # Django's default console handler (DEBUG only) would write each of its
            # lines a second time, unformatted: everything goes through ours.
            "django": {"handlers": [], "propagate": True},
            "django.db.backends": {"level": "WARNING"},
            # These log the path of refused and failed requests; under /s/ it holds the link token.
            "django.request": {"filters": ["hide_link_tokens"]},
            "django.security.csrf": {"filters": ["hide_link_tokens"]},
        },
    }


ENVIRON_KEY = "hushpost.request_id"


def on_request_started(sender, environ, **kwargs) -> None:
    """Bound from before the middleware until the response is closed, so Django's
    own lines about the request ("Not Found: …") carry its id too."""
    from hushpost.client_address import _address, is_trusted

    incoming = environ.get("HTTP_X_REQUEST_ID", "")
    # A proxy's id joins our lines to its own; a client's could be anything.
    trusted = bool(incoming and _INCOMING_ID.match(incoming)) and is_trusted(
        _address(environ.get("REMOTE_ADDR", ""))
    )
    rid = incoming if trusted else new_id()
    environ[ENVIRON_KEY] = rid
    _request_id.set(rid)


def on_request_finished(sender, **kwargs) -> None:
    _request_id.set("")
    _delivery_id.set("")


class RequestIdMiddleware:
    """Answers the request's id as X-Request-ID."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = request.META.get(ENVIRON_KEY)
        if rid is None:
            # Served without the request_started signal (a bare RequestFactory).
            rid = new_id()
            with bound(request_id=rid):
                response = self.get_response(request)
        else:
            response = self.get_response(request)
        response[HEADER] = rid
        return response
