"""The portal's per-address limit on failed PIN posts, on the sign-in limiter:
a lock lasts its whole window from the failure that started it, and no
address sits in the cache in clear."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core.cache import caches
from django.db import connection

from hushpost.portal.throttle import IP_FAILURES, WINDOW_MINUTES

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.77"
UNKNOWN = "/s/" + "A" * 43  # a well-formed token no link has


def post(client, address=ADDRESS):
    return client.post(UNKNOWN, {"pin": "0000"}, REMOTE_ADDR=address)


def cache_keys() -> list[str]:
    """Every key this test put in the shared cache, as stored (Redis, or the database
    table); each test has its own key prefix (tests/conftest.py)."""
    cache = caches["default"]
    prefix = cache.key_prefix
    backend = type(cache).__name__
    if backend == "RedisCache":
        keys = [key.decode() for key in cache._cache.get_client().keys(f"{prefix}*")]
    else:
        assert backend == "DatabaseCache", backend
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT cache_key FROM {cache._table}")
            keys = [row[0] for row in cursor.fetchall()]
    return [key for key in keys if key.startswith(prefix)]


def test_the_limit_locks_an_address_for_a_whole_window_from_the_failure_that_started_it(
    client,
):
    start = datetime.datetime(2026, 3, 1, 12, 14, 50, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as clock:
        assert all(post(client).status_code == 404 for _ in range(IP_FAILURES))
        locked = post(client)
        assert locked.status_code == 429
        assert int(locked["Retry-After"]) == WINDOW_MINUTES * 60
        # A fixed window would have let the address in again at 12:15:00.
        clock.shift(datetime.timedelta(seconds=15))
        assert post(client).status_code == 429
        assert post(client, "203.0.113.78").status_code == 404  # another address is not locked
        clock.shift(datetime.timedelta(minutes=WINDOW_MINUTES))
        assert post(client).status_code == 404


def test_no_address_sits_in_the_cache_in_clear(client):
    for _ in range(IP_FAILURES):
        post(client)
    keys = cache_keys()
    assert [key for key in keys if "portal-pin-ip" in key]  # the limiter did write
    assert not [key for key in keys if ADDRESS in key or ADDRESS.replace(".", "") in key]
