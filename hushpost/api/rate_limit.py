"""Requests per minute per API key (HUSHPOST_API_RATE), counted in the shared cache.

A fixed one-minute window per key: every web process counts in the same
cache entry (Redis, or the database cache), so the limit holds across any
number of them. Answers carry the IETF RateLimit fields
(draft-ietf-httpapi-ratelimit-headers): `RateLimit-Policy` says the quota,
`RateLimit` what is left and when the window ends; a refused request gets
429 with `Retry-After` too.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

WINDOW = 60
POLICY = "per-key"


@dataclass(frozen=True)
class Quota:
    limit: int
    remaining: int
    reset: int  # seconds until the window ends

    @property
    def exceeded(self) -> bool:
        return self.remaining < 0

    def headers(self) -> dict[str, str]:
        return {
            "RateLimit-Policy": f'"{POLICY}";q={self.limit};w={WINDOW}',
            "RateLimit": f'"{POLICY}";r={max(self.remaining, 0)};t={self.reset}',
        }


def count_request(key_id: int, now: float | None = None) -> Quota | None:
    """Count one request of this key; None when the limit is off."""
    limit = settings.HUSHPOST_API_RATE
    if not limit:
        return None
    now = time.time() if now is None else now
    window = int(now // WINDOW)
    name = f"api-rate:{key_id}:{window}"
    # add() then incr(): the first request of a window makes the entry, every
    # one (the first too) counts by one. The window is in the name, so an
    # entry that outlives its minute is never read again.
    cache.add(name, 0, timeout=WINDOW * 2)
    try:
        used = cache.incr(name)
    except ValueError:  # evicted between add() and incr()
        cache.set(name, 1, timeout=WINDOW * 2)
        used = 1
    reset = max(1, int((window + 1) * WINDOW - now))
    return Quota(limit=limit, remaining=limit - used, reset=reset)
