"""The one seam between Hushpost and Twilio's HTTP API (texts and calls).

Everything about talking to Twilio lives here: where requests go
(TWILIO_API_BASE_URL, so tests use a local stand-in over real HTTP), short
timeouts, and turning what went wrong into a `DeliveryError` that says
whether a retry is safe. The question that matters is whether Twilio may have
accepted the request: a refused connection or a DNS failure happened before
anything was sent, a read timeout or a 500 happened after.
"""

from __future__ import annotations

import datetime
import threading

import requests
from django.conf import settings
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client
from urllib3.exceptions import MaxRetryError, NewConnectionError

from hushpost.delivery.channels.base import DeliveryError
from hushpost.delivery.retry_policy import parse_retry_after

# (connect, read) in seconds: a worker must not hang on a slow provider, and
# the delivery's lease (lifecycle.LEASE) must comfortably outlast one request.
TIMEOUT = (5.0, 10.0)

# Twilio's codes that need a readable explanation for staff.
READABLE = {
    "21211": "the phone number is not valid",
    "21214": "the phone number cannot be reached",
    "21215": "calling this country is not enabled in the Twilio account",
    "21408": "sending to this country is not enabled in the Twilio account",
    "21610": "the recipient replied STOP to this number and Twilio won't text them",
    "21612": "Twilio cannot route a message to this number",
    "21614": "the number is not a mobile number",
    "30007": "the carrier filtered the message",
}
RATE_LIMITED = {"20429", "14107"}  # "Too Many Requests", "SMS send rate limit exceeded"
OPTED_OUT = frozenset({"21610"})


class RecordingHttpClient(TwilioHttpClient):
    """Twilio's own HTTP client with our timeouts, keeping the last response.

    The SDK's exceptions drop the response headers; a 429's Retry-After is
    read from `last_response` instead.
    """

    def __init__(self, keep_alive: bool = False):
        super().__init__(pool_connections=keep_alive)
        # requests takes (connect, read); the SDK's own check only knows one number.
        self.timeout = TIMEOUT
        self.last_response: Response | None = None

    def request(self, *args, **kwargs) -> Response:
        self.last_response = None
        self.last_response = super().request(*args, **kwargs)
        return self.last_response


_kept = threading.local()


def kept_alive_client() -> tuple[Client, RecordingHttpClient]:
    """The calling thread's own client, its connection kept open between requests
    (the worker's sending threads); a new one when the settings changed."""
    key = (settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, settings.TWILIO_API_BASE_URL)
    cached = getattr(_kept, "client", None)
    if cached is None or cached[0] != key:
        cached = (key, *make_client(keep_alive=True))
        _kept.client = cached
    return cached[1], cached[2]


def make_client(keep_alive: bool = False) -> tuple[Client, RecordingHttpClient]:
    http = RecordingHttpClient(keep_alive)
    # environment={}: TWILIO_EDGE/TWILIO_REGION in the process environment
    # would otherwise rewrite the host, and every request must go to the base URL.
    client = Client(
        settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, http_client=http, environment={}
    )
    client.api.base_url = settings.TWILIO_API_BASE_URL
    return client, http


def _sent_nothing(error: requests.RequestException) -> bool:
    """True when the request cannot have reached Twilio (refused, DNS, TLS
    handshake, connect timeout)."""
    if isinstance(error, (requests.ConnectTimeout, requests.exceptions.SSLError)):
        return True
    cause = error.args[0] if error.args else None
    return isinstance(cause, MaxRetryError) and isinstance(cause.reason, NewConnectionError)


def transport_error(error: requests.RequestException) -> DeliveryError:
    if _sent_nothing(error):
        return DeliveryError(
            f"could not connect to Twilio ({type(error).__name__})", permanent=False
        )
    # A read timeout or a connection dropped mid-answer: the message may exist.
    return DeliveryError(
        f"no answer from Twilio ({type(error).__name__})", permanent=False, maybe_sent=True
    )


def api_error(
    error: TwilioRestException | TwilioServiceException, http: RecordingHttpClient
) -> DeliveryError:
    status = int(error.status or 0)
    code = str(error.code or status)
    if isinstance(error, TwilioServiceException):
        detail = error.detail or error.title
    else:
        detail = (error.msg or "").removeprefix("Unable to create record: ")
    headers = http.last_response.headers if http.last_response is not None else {}
    if status == 429 or code in RATE_LIMITED:
        retry_after = parse_retry_after(
            headers.get("Retry-After"), now=datetime.datetime.now(datetime.UTC)
        )
        return DeliveryError(
            f"Twilio is rate limiting ({code})", permanent=False, code=code, retry_after=retry_after
        )
    if status == 503:
        # "Unavailable" means not handled (maintenance, overload): safe to retry.
        return DeliveryError(
            f"Twilio is unavailable ({status})",
            permanent=False,
            code=code,
            retry_after=parse_retry_after(
                headers.get("Retry-After"), now=datetime.datetime.now(datetime.UTC)
            ),
        )
    if status >= 500:
        # 500/502/504: Twilio (or a gateway in front of it) may have created
        # the message before failing to say so.
        return DeliveryError(
            f"Twilio answered {status}", permanent=False, code=code, maybe_sent=True
        )
    if status == 401:
        # Our credentials, not this message: a fixed configuration lets the retries through.
        return DeliveryError(f"Twilio refused the credentials ({code})", permanent=False, code=code)
    readable = READABLE.get(code) or detail or f"Twilio refused the message (HTTP {status})"
    return DeliveryError(f"{readable} (Twilio {code})", permanent=True, code=code)
