"""`hushpost webhooks`: only send due webhook messages.

Every `hushpost worker` already sends them (hushpost/webhooks/dispatcher.py);
this process is for installs that want more webhook threads apart from the
workers. Any number may run beside the workers.
"""

from __future__ import annotations

import signal

from django.core.management.base import BaseCommand, CommandError

from hushpost.webhooks.dispatcher import Dispatcher


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
        dispatcher = Dispatcher(threads=threads, interval=interval)
        signal.signal(signal.SIGTERM, lambda signum, frame: dispatcher.stop())
        signal.signal(signal.SIGINT, lambda signum, frame: dispatcher.stop())
        dispatcher.run(once=once)
