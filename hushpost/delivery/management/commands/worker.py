"""`hushpost worker`: sends deliveries in batches, runs the other background tasks
(django-tasks-db's db_worker loop) and is kept alive through database outages.

Batches: the Delivery table is the send queue. Each turn of the loop claims up
to HUSHPOST_WORKER_BATCH queued, due deliveries at once (lifecycle.claim_due:
SELECT … FOR UPDATE SKIP LOCKED on PostgreSQL, so workers take disjoint sets
without waiting; SQLite's exclusive transaction elsewhere) and hands them to
delivery.batch, which puts them on the wire. Only then are the previous
batch's answers recorded, so the database work of one batch overlaps the
sending of the next. Any other task (imports, fan-outs, feed polls: django-tasks
rows) runs one at a time with no batch in flight, every OTHER_TASK_EVERY turns
or when there is nothing to send.

Outages: db_worker ignores "database is locked" but exits on any other
database error — a PostgreSQL restart or failover, a dropped connection. A
worker that exits needs a supervisor to come back; this one reconnects by
itself: it closes the broken connections, waits (doubling up to MAX_WAIT) and
runs the loop again. A claimed delivery whose answer could not be recorded
carries its own lease, and the scheduler's sweep and reconciliation settle it
(docs/RELIABILITY.md).

It also sends due webhook messages, on threads of their own
(hushpost/webhooks/dispatcher.py), so a receiver that hangs never holds up
the delivery loop; `--webhook-threads 0` leaves them to `hushpost webhooks`.
"""

from __future__ import annotations

import logging
import random
import time

from django.conf import settings
from django.core.management.base import CommandError
from django.db import (
    DatabaseError,
    InterfaceError,
    close_old_connections,
    connections,
    reset_queries,
)
from django.db.utils import OperationalError
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from hushpost.delivery.batch import Batch, BatchSender
from hushpost.delivery.lifecycle import claim_due
from hushpost.webhooks.dispatcher import Dispatcher

logger = logging.getLogger("hushpost.worker")

FIRST_WAIT = 0.5
MAX_WAIT = 10.0
WEBHOOK_THREADS = 4
# Every so many batches the pipeline is emptied and one task of another kind runs.
OTHER_TASK_EVERY = 8
# Long enough for the webhook tries in flight to end within their own 10 s deadline.
WEBHOOK_STOP_WAIT = 11.0


class Command(db_worker.Command):
    help = "Send deliveries and run background tasks, reconnecting when the database goes away."

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
        sender = BatchSender()
        try:
            self._keep_running(sender, **options)
        finally:
            sender.close()  # ends the kept SMTP connection with a QUIT

    def _keep_running(self, sender: BatchSender, **options) -> None:
        wait = FIRST_WAIT
        while True:
            started = time.monotonic()
            try:
                return self.run_worker(sender, **options)
            except (DatabaseError, InterfaceError) as error:
                if self._stopping():
                    return  # told to stop: the error is the outage or the signal's cut
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
                if self._stopping():
                    return
                wait = min(wait * 2, MAX_WAIT)

    def _stopping(self) -> bool:
        """A stop signal came (SIGTERM, Ctrl-C) to the worker loop that last ran."""
        worker = getattr(self, "worker", None)
        return worker is not None and not worker.running

    def run_worker(
        self,
        sender: BatchSender,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        **options,
    ) -> None:
        self.configure_logging(verbosity)
        queue_names = queue_name.split(",")
        excluded = exclude_queues.split(",") if exclude_queues else []
        if excluded and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        worker = DeliveryWorker(
            sender=sender,
            batch_size=settings.HUSHPOST_WORKER_BATCH,
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded,
        )
        worker.configure_signals()
        self.worker = worker
        worker.run()


class DeliveryWorker(db_worker.Worker):
    """db_worker's loop with deliveries claimed from their table in batches."""

    def __init__(self, *, sender: BatchSender, batch_size: int, **options):
        super().__init__(**options)
        self.sender = sender
        self.batch_size = batch_size

    def run(self) -> None:
        logger.info("worker %s: starting, batches of %d", self.worker_id, self.batch_size)
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # spreads workers started together
        in_flight: Batch | None = None
        turns = 0
        try:
            while self.running:
                # A stop signal now ends the loop after this turn; only the sleep below
                # is cut short. (Cut inside a statement, the connection's error would
                # look like an outage, and the worker would reconnect and go on.)
                self.running_task = True
                close_old_connections()
                # With DEBUG on (development), as a request does: the SQL log starts afresh.
                reset_queries()
                # The next batch goes on the wire before the last one's answers are
                # recorded, so the database work of one overlaps the sending of the other.
                taken = self.take_send_batch()
                if in_flight is not None:
                    self.finish_send_batch(in_flight)
                in_flight = taken
                turns += 1
                other = False
                if in_flight is None or turns % OTHER_TASK_EVERY == 0:
                    # Another kind of task (an import) runs with nothing in flight, so a
                    # long one never holds a batch's answers unrecorded.
                    if in_flight is not None:
                        self.finish_send_batch(in_flight)
                        in_flight = None
                    other = self.run_other_task()
                    self.running_task = True  # run_task clears it
                if self.batch and in_flight is None and taken is None and not other:
                    return
                if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                    return
                close_old_connections()
                if self.running and in_flight is None and not other:
                    self.running_task = False
                    time.sleep(self.interval)
        finally:
            # Stopped by a signal or a database error: what is on the wire is recorded
            # if the database lets us; if not, the leases and the sweep settle it.
            if in_flight is not None:
                try:
                    self.finish_send_batch(in_flight)
                except (DatabaseError, InterfaceError):
                    logger.warning(
                        "worker %s: a batch of %d was sent but could not be recorded; "
                        "the sweep settles it",
                        self.worker_id,
                        len(in_flight),
                    )
            self.running_task = False

    def ready_tasks(self):
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        return tasks

    def take_send_batch(self) -> Batch | None:
        """Claim up to a batch of due deliveries and put them on the wire."""
        self.sender.wait_for_room()
        try:
            claimed = claim_due(
                min(self.batch_size, self.sender.batch_limit()), worker=self.worker_id
            )
        except OperationalError as error:
            if is_locked_database_exception(error):
                return None
            raise
        if not claimed:
            return None
        self._run_tasks += len(claimed)
        try:
            return self.sender.start_claimed(claimed)
        except (DatabaseError, InterfaceError):
            raise  # handle() reconnects; the deliveries carry their own lease
        except Exception:
            # What was claimed keeps its lease; the sweep settles it as for a killed worker.
            logger.exception("worker %s: a batch of %d failed", self.worker_id, len(claimed))
            return None

    def finish_send_batch(self, batch: Batch) -> None:
        """Record what the provider answered for a started batch."""
        try:
            self.sender.finish(batch)
        except (DatabaseError, InterfaceError):
            raise
        except Exception:
            logger.exception("worker %s: a batch of %d failed", self.worker_id, len(batch))

    def run_other_task(self) -> bool:
        """One background task (an import), as db_worker runs it; True if there was one."""
        tasks = self.ready_tasks()
        try:
            with exclusive_transaction(tasks.db):
                task_result = tasks.get_locked()
                if task_result is not None:
                    task_result.claim(self.worker_id)
        except OperationalError as error:
            if is_locked_database_exception(error):
                return False
            raise
        if task_result is None:
            return False
        self.run_task(task_result)
        return True


def _close_connections() -> None:
    for connection in connections.all(initialized_only=True):
        try:
            connection.close()
        except Exception:
            logger.debug("worker: closing a broken connection failed", exc_info=True)
