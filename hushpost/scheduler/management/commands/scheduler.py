import logging
import signal
import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections, reset_queries

from hushpost.log_context import bound, new_id
from hushpost.scheduler.steps import tick

logger = logging.getLogger("hushpost.scheduler")


class Command(BaseCommand):
    help = "Run the scheduler loop (periodic chores). Stops cleanly on SIGTERM or Ctrl-C."

    def add_arguments(self, parser):
        parser.add_argument(
            "--interval", type=float, default=5.0, help="seconds between idle ticks (default 5)"
        )
        parser.add_argument("--once", action="store_true", help="run one tick and exit")

    def handle(self, *args, interval=5.0, once=False, **options):
        self.stopping = False
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        if not once:
            self.stdout.write(
                f"Scheduler running, a tick every {interval:g} s; SIGTERM or Ctrl-C stops it."
            )
            self.stdout.flush()
        while True:
            close_old_connections()
            reset_queries()  # with DEBUG on (development), as a request does
            # One id a tick: what it queues is sent (and logged) under it too.
            with bound(request_id=new_id()):
                found = tick()
                logger.debug("scheduler: tick done, %d found", found)
            if once or self.stopping:
                break
            if not found:
                # Sleep in small steps so a stop signal is honoured quickly.
                deadline = time.monotonic() + interval
                while not self.stopping and time.monotonic() < deadline:
                    time.sleep(0.2)
            if self.stopping:
                break

    def stop(self, signum, frame):
        self.stopping = True
