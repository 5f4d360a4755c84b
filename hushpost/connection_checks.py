"""Django's per-request connection health check, skipped for a connection that just answered.

With CONN_HEALTH_CHECKS (on with DATABASE_URL, settings.py) Django runs a `SELECT 1`
before the first query of every request that reads the database, so that a
persistent connection the server dropped while it sat idle is replaced instead
of failing the request. Under load that is one more round trip on every such
request: py-spy on `hushpost web` found it a fifth of the contact's conversation
page (bench/portal.py), a page of two queries. A connection that answered a
query less than PROVEN_FOR ago is still open as surely as the check would tell,
so, as connection pools do (HikariCP's aliveBypassWindowMs, 500 ms), the check
is skipped for it. A connection idle for longer is checked as before, and one
whose last query failed is left to Django (`errors_occurred`: checked, or closed).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from django.db import connections

PROVEN_FOR = 0.5  # seconds
ANSWERED_AT = "hushpost_answered_at"


def note_answered(execute, sql, params, many, context) -> Any:
    """An execute wrapper: when this connection last answered a query."""
    result = execute(sql, params, many, context)
    setattr(context["connection"], ANSWERED_AT, time.monotonic())
    return result


def on_connection_created(sender, connection, **kwargs) -> None:
    if connection.health_check_enabled and note_answered not in connection.execute_wrappers:
        # First in the list (innermost): `connection.execute_wrapper()` blocks pop the last
        # one when they end, which must stay theirs.
        connection.execute_wrappers.insert(0, note_answered)


def on_request_started(sender, **kwargs) -> None:
    """Runs after Django's own close_old_connections (connected when django.db was
    imported, before any app), which has just asked for a check on the next query."""
    now = time.monotonic()
    # Any: django-stubs doesn't know the health check's attributes.
    wrappers: Sequence[Any] = connections.all(initialized_only=True)
    for connection in wrappers:
        if (
            connection.health_check_enabled
            and not connection.health_check_done
            and connection.connection is not None
            and not connection.errors_occurred
            and now - getattr(connection, ANSWERED_AT, -PROVEN_FOR) < PROVEN_FOR
        ):
            connection.health_check_done = True
