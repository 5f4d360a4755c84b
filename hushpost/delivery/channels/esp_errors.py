"""What went wrong with an email service's API (through django-anymail), as a `DeliveryError`.

The question is the same as for Twilio (twilio_client.py): may the service
have accepted the message? A refused connection or a connect timeout sent
nothing; a read timeout, a dropped connection or a 500/502/504 came after
the request went out, so the message may exist and is never re-sent blindly.
A 429 and a 503 say "not now" (with Retry-After); other 4xx answers are about
this message and final — except 401/403, which are about our credentials and
heal once the operator fixes them.
"""

from __future__ import annotations

import datetime

import requests
from anymail.exceptions import (
    AnymailAPIError,
    AnymailError,
    AnymailInvalidAddress,
    AnymailRecipientsRefused,
    AnymailUnsupportedFeature,
)
from urllib3.exceptions import MaxRetryError, NewConnectionError

from hushpost.delivery.channels.base import DeliveryError
from hushpost.delivery.retry_policy import parse_retry_after

# The service says the recipient is suppressed after a hard bounce or a spam
# complaint (Postmark's "inactive recipient"): the contact is opted out too.
RECIPIENT_REJECTED = "esp_rejected"
OPT_OUT_CODES = frozenset({RECIPIENT_REJECTED})


def _service(error: AnymailError) -> str:
    # A transport error carries no backend; the channel fills esp_name in (see esp_error).
    return error.esp_name or "the email service"


def _detail(error: AnymailError) -> str:
    """The service's own short explanation (Postmark: "Message"; Mailgun:
    "message"), never our content."""
    try:
        body = error.response.json()
    except (AttributeError, ValueError):
        return ""
    if not isinstance(body, dict):
        return ""
    text = body.get("Message") or body.get("message") or ""
    return " ".join(str(text).split())[:160]


def _retry_after(error: AnymailError) -> float | None:
    headers = getattr(error.response, "headers", None) or {}
    return parse_retry_after(headers.get("Retry-After"), now=datetime.datetime.now(datetime.UTC))


def _sent_nothing(error: requests.RequestException) -> bool:
    """True when the request cannot have reached the service (refused, DNS, TLS
    handshake, connect timeout)."""
    if isinstance(error, (requests.ConnectTimeout, requests.exceptions.SSLError)):
        return True
    # anymail raises its own error "from" the requests one, whose first argument says why.
    cause = error.__cause__ if isinstance(error.__cause__, requests.RequestException) else error
    reason = cause.args[0] if cause.args else None
    return isinstance(reason, MaxRetryError) and isinstance(reason.reason, NewConnectionError)


def _refused(error: AnymailRecipientsRefused) -> DeliveryError:
    status = getattr(error.email_message, "anymail_status", None)
    statuses = (
        {recipient.status for recipient in status.recipients.values()}
        if status is not None
        else set()
    )
    if "rejected" in statuses:
        return DeliveryError(
            f"{_service(error)} won't send to this address: "
            "it bounced hard or marked email as spam before",
            permanent=True,
            code=RECIPIENT_REJECTED,
        )
    return DeliveryError(
        f"{_service(error)} refused the email address as not valid",
        permanent=True,
        code="invalid_address",
    )


def _http(error: AnymailAPIError, status: int) -> DeliveryError:
    service, detail = _service(error), _detail(error)
    said = f": {detail}" if detail else ""
    code = str(status)
    if status == 429:
        return DeliveryError(
            f"{service} is rate limiting (429)",
            permanent=False,
            code=code,
            retry_after=_retry_after(error),
        )
    if status == 503:
        return DeliveryError(
            f"{service} is unavailable (503)",
            permanent=False,
            code=code,
            retry_after=_retry_after(error),
        )
    if status >= 500:
        return DeliveryError(
            f"{service} answered {status}", permanent=False, code=code, maybe_sent=True
        )
    if status in (401, 403):
        return DeliveryError(
            f"{service} refused our credentials ({status}); check its API token",
            permanent=False,
            code=code,
        )
    if 200 <= status < 300:
        # It said yes in a way we could not read: the message may well be on its way.
        return DeliveryError(
            f"{service} answered {status} but the answer could not be read",
            permanent=False,
            code=code,
            maybe_sent=True,
        )
    return DeliveryError(
        f"{service} refused the message ({status}){said}", permanent=True, code=code
    )


def esp_error(error: AnymailError, service: str = "") -> DeliveryError:
    if not error.esp_name and service:
        error.esp_name = service
    if isinstance(error, AnymailRecipientsRefused):
        return _refused(error)
    if isinstance(error, AnymailInvalidAddress):
        return DeliveryError(
            "the email address is not valid", permanent=True, code="invalid_address"
        )
    if isinstance(error, AnymailUnsupportedFeature):
        return DeliveryError(
            f"{_service(error)} cannot send this message: {error.args[0] if error.args else ''}",
            permanent=True,
            code="unsupported",
        )
    if isinstance(error, requests.RequestException) and error.response is None:
        # anymail's error is also the requests error it came from (ConnectTimeout,
        # ReadTimeout, ConnectionError).
        if _sent_nothing(error):
            return DeliveryError(
                f"could not connect to {_service(error)} ({_transport_name(error)})",
                permanent=False,
            )
        return DeliveryError(
            f"no answer from {_service(error)} ({_transport_name(error)})",
            permanent=False,
            maybe_sent=True,
        )
    status = getattr(error, "status_code", None)
    if isinstance(error, AnymailAPIError) and status is not None:
        return _http(error, int(status))
    # Anything else came after the request may have gone out.
    return DeliveryError(
        f"unexpected answer from {_service(error)} ({type(error).__name__})",
        permanent=False,
        maybe_sent=True,
    )


def _transport_name(error: Exception) -> str:
    # anymail raises its own error from the requests one (ReadTimeout,
    # ConnectionError, ...): name that.
    return type(error.__cause__ or error).__name__
