"""Fetching a file a contact sent us by MMS from Twilio — only from Twilio, and only safely.

An inbound MMS names its media by URL (`MediaUrl0` …). The webhook is
signed, but a URL is still an instruction to make a request from inside our
network, so nothing here trusts it:

- The first request goes only to Twilio's API host (api.twilio.com, or the
  scheme, host and port of TWILIO_API_BASE_URL, which tests point at a
  stand-in), under our own account's messages, with HTTP Basic
  authentication by the account SID and auth token, as Twilio requires when
  "Enforce HTTP Auth on Media URLs" is on.
- Twilio answers with a redirect to a short-lived copy on its media CDN. A
  redirect is followed (at most MAX_REDIRECTS) only to Twilio's media hosts
  over HTTPS, or within the base URL's own origin, and never carries our
  credentials.
- The caller's limits hold before the body is read (the declared type and
  length) and while it is read (bytes counted, one deadline for the whole
  fetch); nothing is decoded or kept here.

Everything that goes wrong is a `MediaNotFetched` whose reason staff can read.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings
from django.template.defaultfilters import filesizeformat

TWILIO_API_HOST = "api.twilio.com"
# Where Twilio keeps media: mms.twiliocdn.com for media behind HTTP auth,
# media.twiliocdn.com, and its older public bucket on S3.
TWILIO_MEDIA_HOSTS = frozenset({"mms.twiliocdn.com", "media.twiliocdn.com"})
TWILIO_S3_HOST = "s3-external-1.amazonaws.com"
TWILIO_S3_BUCKET_PATH = "/media.twiliocdn.com/"
MAX_REDIRECTS = 3
# (connect, read) for each request; the whole fetch also has a deadline.
TIMEOUT = (3.0, 5.0)
CHUNK = 64 * 1024


class MediaNotFetched(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Media:
    content_type: str
    data: bytes


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    port = parts.port or {"https": 443, "http": 80}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), port


def _api_origins() -> set[tuple[str, str, int | None]]:
    return {("https", TWILIO_API_HOST, 443), _origin(settings.TWILIO_API_BASE_URL)}


def _is_our_media(url: str) -> bool:
    """A media URL of our own account's messages on Twilio's API host."""
    if _origin(url) not in _api_origins():
        return False
    path = urlsplit(url).path
    prefix = f"/2010-04-01/Accounts/{settings.TWILIO_ACCOUNT_SID}/Messages/"
    return bool(settings.TWILIO_ACCOUNT_SID) and path.startswith(prefix) and "/Media/" in path


def _is_twilio_cdn(url: str) -> bool:
    scheme, host, port = _origin(url)
    if (scheme, host, port) == _origin(settings.TWILIO_API_BASE_URL):
        return True
    if scheme != "https" or port != 443:
        return False
    return host in TWILIO_MEDIA_HOSTS or (
        host == TWILIO_S3_HOST and urlsplit(url).path.startswith(TWILIO_S3_BUCKET_PATH)
    )


def _content_type(response: requests.Response) -> str:
    return (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()


def readable_size(count: int) -> str:
    """ "5.0 MB", with a plain space (the text is stored and logged, not only shown)."""
    return filesizeformat(count).replace("\xa0", " ")


def _read(response: requests.Response, max_bytes: int, deadline: float) -> bytes:
    declared = response.headers.get("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise MediaNotFetched(f"it is larger than {readable_size(max_bytes)}")
    data = bytearray()
    for chunk in response.iter_content(CHUNK):
        data += chunk
        if len(data) > max_bytes:
            raise MediaNotFetched(f"it is larger than {readable_size(max_bytes)}")
        if time.monotonic() > deadline:
            raise MediaNotFetched("Twilio took too long to send it")
    return bytes(data)


def fetch_media(
    url: str, *, allowed_types: Collection[str], max_bytes: int, deadline: float
) -> Media:
    """The file behind one inbound `MediaUrl{N}`, within the caller's limits.

    `deadline` is a `time.monotonic()` value shared by every file of one text.
    """
    if not _is_our_media(url):
        raise MediaNotFetched("its address is not one of our Twilio account's media")
    auth = (settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN)
    with requests.Session() as session:
        # Proxies and .netrc from the environment must not see our credentials.
        session.trust_env = False
        for _hop in range(MAX_REDIRECTS + 1):
            if time.monotonic() > deadline:
                raise MediaNotFetched("Twilio took too long to send it")
            try:
                response = session.get(
                    url, auth=auth, timeout=TIMEOUT, allow_redirects=False, stream=True
                )
            except requests.RequestException as error:
                raise MediaNotFetched(
                    f"it could not be fetched from Twilio ({type(error).__name__})"
                ) from error
            with response:
                if response.is_redirect:
                    url = urljoin(url, response.headers.get("Location", ""))
                    if not _is_twilio_cdn(url):
                        raise MediaNotFetched("Twilio sent it from an address we don't fetch from")
                    # The CDN's address is signed; our credentials stay with the API.
                    auth = None
                    continue
                if response.status_code != 200:
                    raise MediaNotFetched(f"Twilio answered {response.status_code}")
                content_type = _content_type(response)
                if content_type not in allowed_types:
                    raise MediaNotFetched(f"files of type {content_type or 'unknown'} aren't kept")
                try:
                    data = _read(response, max_bytes, deadline)
                except requests.RequestException as error:
                    raise MediaNotFetched(
                        f"it could not be fetched from Twilio ({type(error).__name__})"
                    ) from error
                return Media(content_type=content_type, data=data)
    raise MediaNotFetched("Twilio redirected too many times")
