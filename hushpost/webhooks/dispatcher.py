"""The loop that sends due webhook messages on a pool of threads.

It runs inside every `hushpost worker` (on a thread of its own, beside the
delivery loop) and in `hushpost webhooks` for installs that want to scale it
apart. A receiver that hangs holds one of these threads for at most the 10 s
deadline, and at most sender.PER_ENDPOINT threads at once, so texts, emails
and other endpoints (other organizations) never wait for it. Any number of
dispatchers may run; rows are claimed one by one with conditional UPDATEs.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait

from django.db import DatabaseError, close_old_connections, connection

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


class Dispatcher:
    def __init__(self, threads: int = 8, interval: float = 1.0):
        if threads < 1:
            raise ValueError("threads must be 1 or more")
        self.threads = threads
        self.interval = interval
        self.stopping = threading.Event()

    def stop(self) -> None:
        self.stopping.set()

    def run(self, once: bool = False) -> None:
        """Send until stop() (or, with once, until nothing is due). The tries in flight
        finish, each within its deadline, before it returns."""
        running: set[Future] = set()
        with ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="webhook") as pool:
            while not self.stopping.is_set():
                running = {future for future in running if not future.done()}
                free = self.threads - len(running)
                try:
                    close_old_connections()
                    claimed = claim_due(free) if free else []
                except DatabaseError as error:
                    # The database went away: the worker's own loop reconnects; so do we.
                    logger.warning("webhooks: database unavailable (%s)", type(error).__name__)
                    connection.close()
                    self.stopping.wait(self.interval)
                    continue
                running.update(pool.submit(_deliver_in_thread, pk) for pk in claimed)
                if once and not running:
                    break
                if free and len(claimed) == free:
                    continue  # every thread got work: there may be more due right now
                if running:
                    wait(running, timeout=self.interval, return_when=FIRST_COMPLETED)
                else:
                    self.stopping.wait(self.interval)
        connection.close()

    def start_in_background(self) -> threading.Thread:
        thread = threading.Thread(target=self.run, name="webhook-dispatcher", daemon=True)
        thread.start()
        return thread
