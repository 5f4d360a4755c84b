"""Failed PIN posts per client IP, on top of the limits per link and per
contact (messaging/links.py).

A link locks after five wrong PINs and a contact's links pause after ten
wrong ones in fifteen minutes; this is the third limit, for one client trying
many contacts' links (or made-up ones). Wrong PINs, posts to locked links and
posts to unknown or revoked links all count, in the shared cache (Redis or
the database table: every web process sees the same counts), in fixed
windows; past the limit the PIN form answers 429 with Retry-After before it
even looks the link up. The IP is REMOTE_ADDR: X-Forwarded-For is whatever
the client typed (see activity/sessions.py), so rotating it buys nothing.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

from hushpost.activity.sessions import client_ip

IP_FAILURES = 30
WINDOW_MINUTES = 15


def _limit_and_window() -> tuple[int, int]:
    return (
        getattr(settings, "HUSHPOST_PORTAL_PIN_IP_FAILURES", IP_FAILURES),
        60 * getattr(settings, "HUSHPOST_PORTAL_PIN_WINDOW_MINUTES", WINDOW_MINUTES),
    )


def _key(request, window: int, now: float) -> tuple[str, float]:
    start = int(now // window) * window
    return f"portal-pin-ip:{client_ip(request) or '-'}:{start}", start + window


def retry_after(request) -> int:
    """Seconds until this client may post a PIN again; 0 when it may now."""
    limit, window = _limit_and_window()
    now = time.time()
    key, ends = _key(request, window, now)
    if (cache.get(key) or 0) < limit:
        return 0
    return max(1, int(ends - now) + 1)


def note_failure(request) -> None:
    _limit, window = _limit_and_window()
    now = time.time()
    key, ends = _key(request, window, now)
    timeout = int(ends - now) + 1
    # add() starts the window's counter; incr() then counts (atomically on Redis).
    cache.add(key, 0, timeout=timeout)
    try:
        cache.incr(key)
    except ValueError:  # the window ended between add() and incr()
        cache.set(key, 1, timeout=timeout)
