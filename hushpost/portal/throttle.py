"""Failed PIN posts per client IP, on top of the limits per link and per
contact (messaging/links.py).

A link locks after five wrong PINs and a contact's links pause after ten
wrong ones in fifteen minutes; this is the third limit, for one client trying
many contacts' links (or made-up ones). Wrong PINs, posts to locked links and
posts to unknown or revoked links all count, on the same limiter as staff
sign-in (accounts/throttle.py): shared by every web process through the
cache, the address hashed into the key (never stored in clear), and a lock
that lasts its whole window from the failure that started it. While locked,
the PIN form answers 429 with Retry-After before it even looks the link up.
The IP is hushpost/client_address.py's: X-Forwarded-For counts only from a
trusted proxy, so a client rotating it buys nothing.
"""

from __future__ import annotations

import math
import time

from django.conf import settings

from hushpost.accounts import throttle
from hushpost.activity.sessions import client_ip

IP_FAILURES = 30
WINDOW_MINUTES = 15


def ip_limit() -> throttle.Limit:
    return throttle.Limit(
        "portal-pin-ip",
        getattr(settings, "HUSHPOST_PORTAL_PIN_IP_FAILURES", IP_FAILURES),
        60 * getattr(settings, "HUSHPOST_PORTAL_PIN_WINDOW_MINUTES", WINDOW_MINUTES),
    )


def _client(request) -> str:
    # Without an address every such client shares one count, rather than none.
    return client_ip(request) or "-"


def retry_after(request) -> int:
    """Seconds until this client may post a PIN again; 0 when it may now."""
    until = throttle.locked_until(ip_limit(), _client(request))
    if until is None:
        return 0
    return max(1, math.ceil(until.timestamp() - time.time()))


def note_failure(request) -> None:
    throttle.add_failure(ip_limit(), _client(request))
