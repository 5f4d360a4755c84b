"""Run the real `worker` command in the test's process until nothing is due, as
`hushpost worker --batch` would: the due deliveries (claimed from their table) and any
other background task (imports, fan-outs), with no webhook threads."""

import signal

from django.core.management import call_command


def run_worker() -> None:
    """Work off everything due once, then give the signal handlers back."""
    handlers = {
        sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)
    }
    try:
        call_command(
            "worker",
            "--batch",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            "0",
            "--queue-name",
            "*",
            "--webhook-threads",
            "0",
            verbosity=0,
        )
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
