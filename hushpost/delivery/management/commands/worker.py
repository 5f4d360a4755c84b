"""`hushpost worker`: django-tasks-db's db_worker, kept alive through database outages.

db_worker ignores "database is locked" but exits on any other database
error — a PostgreSQL restart or failover, a dropped connection. A worker
that exits needs a supervisor to come back; this one reconnects by itself:
it closes the broken connections, waits (doubling up to MAX_WAIT) and runs
the loop again. A task whose last write was lost is left "running" by
django-tasks-db; its delivery carries its own lease, and the scheduler's
sweep and reconciliation settle it (docs/RELIABILITY.md).
"""

from __future__ import annotations

import logging
import time

from django.db import DatabaseError, InterfaceError, connections
from django_tasks_db.management.commands import db_worker

logger = logging.getLogger("hushpost.worker")

FIRST_WAIT = 0.5
MAX_WAIT = 10.0


class Command(db_worker.Command):
    help = "Run background tasks (sending deliveries), reconnecting when the database goes away."

    def handle(self, **options) -> None:
        # The autoreloader runs the loop in a child process the retry can't reach.
        options["reload"] = False
        wait = FIRST_WAIT
        while True:
            started = time.monotonic()
            try:
                return super().handle(**options)
            except (DatabaseError, InterfaceError) as error:
                if time.monotonic() - started > 60:
                    wait = FIRST_WAIT  # it had been running fine: a new outage
                logger.warning(
                    "worker: database unavailable (%s: %s); reconnecting in %.1f s",
                    type(error).__name__,
                    str(error).strip().splitlines()[0] if str(error).strip() else "",
                    wait,
                )
                _close_connections()
                time.sleep(wait)
                wait = min(wait * 2, MAX_WAIT)


def _close_connections() -> None:
    for connection in connections.all(initialized_only=True):
        try:
            connection.close()
        except Exception:
            logger.debug("worker: closing a broken connection failed", exc_info=True)
