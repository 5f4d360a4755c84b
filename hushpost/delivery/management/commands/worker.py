"""`hushpost worker`: django-tasks-db's db_worker, kept alive through database outages.

db_worker ignores "database is locked" but exits on any other database
error — a PostgreSQL restart or failover, a dropped connection. A worker
that exits needs a supervisor to come back; this one reconnects by itself:
it closes the broken connections, waits (doubling up to MAX_WAIT) and runs
the loop again. A task whose last write was lost is left "running" by
django-tasks-db; its delivery carries its own lease, and the scheduler's
sweep and reconciliation settle it (docs/RELIABILITY.md).

It also sends due webhook messages, on threads of their own
(hushpost/webhooks/dispatcher.py), so a receiver that hangs never holds up
the delivery loop; `--webhook-threads 0` leaves them to `hushpost webhooks`.
"""

from __future__ import annotations

import logging
import time

from django.core.management.base import CommandError
from django.db import DatabaseError, InterfaceError, connections
from django_tasks_db.management.commands import db_worker

from hushpost.webhooks.dispatcher import Dispatcher

logger = logging.getLogger("hushpost.worker")

FIRST_WAIT = 0.5
MAX_WAIT = 10.0
WEBHOOK_THREADS = 4
# Long enough for the webhook tries in flight to end within their own 10 s deadline.
WEBHOOK_STOP_WAIT = 11.0


class Command(db_worker.Command):
    help = "Run background tasks (sending deliveries), reconnecting when the database goes away."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--webhook-threads",
            type=int,
            default=WEBHOOK_THREADS,
            help=f"webhook messages in flight at once (default {WEBHOOK_THREADS}; 0: none here)",
        )

    def handle(self, **options) -> None:
        threads = options.pop("webhook_threads")
        if threads < 0:
            raise CommandError("--webhook-threads must be 0 or more.")
        dispatcher = Dispatcher(threads=threads) if threads else None
        thread = dispatcher.start_in_background() if dispatcher else None
        try:
            self._deliveries(**options)
        finally:
            if dispatcher and thread:
                dispatcher.stop()
                thread.join(WEBHOOK_STOP_WAIT)

    def _deliveries(self, **options) -> None:
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
