"""Counting failures in the shared cache, and the locks they start.

Plain cache counters rather than django-ratelimit: we count failures (not
requests), a lock must last its whole window from the moment it starts, and
django-ratelimit's counters lose their expiry on the database cache (its
`incr` is a get and a set with the default timeout). The cache is Redis or
the database cache (settings.CACHES), so every web process shares the counts.

A counter lives as long as failures keep coming: each one pushes its expiry a
window further, so N failures with less than a window between one and the
next start a lock. Values are hashed into the keys with a keyed hash (HMAC
under SECRET_KEY, so the small space of IPv4 addresses can't be walked back
from a key): no email or IP address sits in the cache in clear. Staff sign-in
(accounts/sign_in.py) and the portal's PIN form (portal/throttle.py) both
count here.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime

from django.core.cache import cache
from django.utils.crypto import salted_hmac


@dataclass(frozen=True)
class Limit:
    scope: str
    failures: int
    window_seconds: int

    def _key(self, kind: str, value: str) -> str:
        mac = salted_hmac("hushpost.throttle", f"{self.scope}|{value}", algorithm="sha256")
        return f"hp:{kind}:{self.scope}:{mac.hexdigest()}"


def locked_until(limit: Limit, value: str) -> datetime | None:
    """When the lock on `value` ends, or None when it isn't locked."""
    until = cache.get(limit._key("lock", value))
    if until is None or until <= time.time():
        return None
    return datetime.fromtimestamp(until, tz=UTC)


def add_failure(limit: Limit, value: str) -> datetime | None:
    """Count one failure; when it reaches the limit a lock starts and its end is returned
    (only to the failure that started it, so the lock is announced once)."""
    counter = limit._key("count", value)
    cache.add(counter, 0, timeout=limit.window_seconds)
    try:
        count = cache.incr(counter)
    except ValueError:  # expired between add and incr
        cache.set(counter, 1, timeout=limit.window_seconds)
        count = 1
    # Redis keeps the expiry on incr, the database cache resets it: set it here for both.
    cache.touch(counter, limit.window_seconds)
    if count < limit.failures:
        return None
    until = time.time() + limit.window_seconds
    if not cache.add(limit._key("lock", value), until, timeout=limit.window_seconds):
        return None
    # After the lock the count starts again from nothing.
    cache.delete(counter)
    return datetime.fromtimestamp(until, tz=UTC)


def clear_count(limit: Limit, value: str) -> None:
    cache.delete(limit._key("count", value))
