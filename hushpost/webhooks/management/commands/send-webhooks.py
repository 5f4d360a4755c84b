"""`hushpost webhooks`: send due webhook messages on a pool of threads.

A process of its own, apart from `hushpost worker`, so a receiver that hangs
never delays a text or an email: it holds one of these threads for at most
the 10 s deadline, and at most sender.PER_ENDPOINT threads at once, so
other endpoints (other organizations) keep theirs. Any number of these
processes may run; rows are claimed one by one with conditional UPDATEs.
"""

from __future__ import annotations

import logging
import signal
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connection

from hushpost.webhooks.sender import claim_due, deliver

logger = logging.getLogger("hushpost.webhooks")


def _deliver_in_thread(message_id: int) -> None:
    try:
        deliver(message_id)
    except Exception:
        # The claim lapses and the message is tried again; the loop goes on.
        logger.exception("webhook message %s: unexpected error while sending", message_id)
    finally:
        connection.close()  # this thread's own connection


class Command(BaseCommand):
    help = "Send webhook messages (any number of these). Stops cleanly on SIGTERM or Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument(
            "--threads", type=int, default=8, help="messages in flight at once (default 8)"
        )
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds between polls when idle"
        )
        parser.add_argument("--once", action="store_true", help="send what is due, then exit")

    def handle(self, *args, threads=8, interval=1.0, once=False, **options):
        if threads < 1:
            raise CommandError("--threads must be 1 or more.")
        self.stopping = False
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        running: set[Future] = set()
        with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="webhook") as pool:
            while not self.stopping:
                close_old_connections()
                running = {future for future in running if not future.done()}
                free = threads - len(running)
                claimed = claim_due(free) if free else []
                running.update(pool.submit(_deliver_in_thread, pk) for pk in claimed)
                if once and not running:
                    break
                if free and len(claimed) == free:
                    continue  # every thread got work: there may be more due right now
                if running:
                    wait(running, timeout=interval, return_when=FIRST_COMPLETED)
                else:
                    self._pause(interval)
            # The tries in flight finish (each within its deadline) before the pool closes.
        connection.close()

    def _pause(self, interval: float) -> None:
        # In small steps, so a stop signal is honoured quickly.
        deadline = time.monotonic() + interval
        while not self.stopping and time.monotonic() < deadline:
            time.sleep(min(0.1, interval))

    def stop(self, signum, frame):
        self.stopping = True
