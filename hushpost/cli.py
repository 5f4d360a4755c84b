"""The `hushpost` command: run the demo, or one production process, or a Django command.

hushpost run [--port 8000] [--bind 127.0.0.1]   web + worker + scheduler, demo org
hushpost web [--port 8000] [--bind 0.0.0.0] [--workers N] [--threads N]
hushpost worker [--interval 1] [--webhook-threads 4]   sends deliveries and webhooks
hushpost webhooks [--threads 8]                    only webhooks (optional, to scale apart)
hushpost scheduler
hushpost manage <django command> ...
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time

SETTINGS = "hushpost.settings"
# One thread per web process, and two processes per CPU (at most 8 by default). Pages are
# Python work holding the GIL; a process's other threads wait for it each time one comes
# back from the database, a socket write or os.urandom (CSRF tokens), and under load those
# waits were about 40 % of the server's samples (docs/BENCHMARKS.md, "The contact's conversation
# page under load"). Processes share the CPUs without that queue.
WEB_THREADS = 1


def _web_workers_default() -> int:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return min(2 * (usable or 1), 8)


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    import django

    django.setup()


class StartRefused(Exception):
    """System checks found errors: each line names the variable and the fix."""

    def __init__(self, lines: list[str]):
        super().__init__("\n".join(lines))
        self.lines = lines


def _refuse_on_errors() -> None:
    """Run the system checks (the deployment ones too in production) before any
    process starts; an error stops it here rather than sending nowhere later."""
    _setup_django()
    from django.conf import settings

    from hushpost.checks import refusals

    lines = refusals(deploy=settings.PRODUCTION)
    if lines:
        raise StartRefused(lines)


def _checked(action, *, fresh_metrics: bool = False):
    def run():
        # Before Django (and so prometheus-client) loads: every process this
        # starts counts into the one directory /metrics adds up.
        from hushpost.metrics.process import prepare

        prepare(fresh=fresh_metrics)
        _refuse_on_errors()
        return action()

    return run


def _manage(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["hushpost manage", *argv])
    return 0


def _gunicorn_argv(bind: str, port: int, workers: int, threads: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "hushpost.wsgi:application",
        # Its own lines as JSON or text like the app's (HUSHPOST_LOG_FORMAT).
        "--config",
        "python:hushpost.gunicorn_conf",
        "--bind",
        f"{bind}:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--worker-class",
        "gthread",
        "--graceful-timeout",
        "10",
        # Several servers may run on one machine (tests, demos): no shared control socket.
        "--no-control-socket",
        # Off by default; when on, the format leaves out the path and query,
        # because a contact's link (/s/<token>) is a secret.
        "--access-logfile",
        os.environ.get("HUSHPOST_ACCESS_LOG", "") or "/dev/null",
        "--access-logformat",
        '%(h)s %(t)s "%(m)s" %(s)s %(b)s %(L)ss',
        # Nobody: hushpost/client_address.py alone decides whose X-Forwarded-*
        # headers count (HUSHPOST_TRUSTED_PROXIES), for the scheme as for the address.
        "--forwarded-allow-ips",
        "",
    ]


def _worker_argv(interval: float = 1.0, webhook_threads: int = 4) -> list[str]:
    # db_worker wrapped to reconnect after a database outage
    # (hushpost/delivery/management/commands/worker.py).
    return [
        sys.executable,
        "-m",
        "hushpost.cli",
        "manage",
        "worker",
        "--no-reload",
        "--queue-name",
        "*",
        "--interval",
        str(interval),
        "--webhook-threads",
        str(webhook_threads),
    ]


def _webhooks_argv(threads: int = 8) -> list[str]:
    # Workers send webhooks too; this process only adds webhook threads apart from them.
    return [
        sys.executable,
        "-m",
        "hushpost.cli",
        "manage",
        "send-webhooks",
        "--threads",
        str(threads),
    ]


def _scheduler_argv() -> list[str]:
    return [sys.executable, "-m", "hushpost.cli", "manage", "scheduler"]


def _in_process(argv: list[str]) -> int:
    """Run a `hushpost manage …` command line in this process: Django is already set
    up by the start-up checks, and loading it a second time doubles the start."""
    assert argv[1:4] == ["-m", "hushpost.cli", "manage"], argv
    return _manage(argv[4:])


def _exec(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    os.execv(argv[0], argv)
    return 1  # not reached


def run_web(args: argparse.Namespace) -> int:
    _setup_django()
    from django.conf import settings

    if settings.PRODUCTION:
        # Hashed, compressed static files for whitenoise; cheap when nothing changed.
        _manage(["collectstatic", "--noinput", "-v", "0"])
    return _exec(_gunicorn_argv(args.bind, args.port, *_web_size(args.workers, args.threads)))


def run_all(args: argparse.Namespace) -> int:
    """The one-command demo: migrate, make the demo organization, run every process."""
    _setup_django()
    from django.conf import settings
    from django.core.management import call_command

    call_command("migrate", "--noinput", verbosity=0)
    # The database cache's table (sign-in limits) when there is no REDIS_URL;
    # migrate makes it too, this keeps it there if the table was dropped.
    call_command("createcachetable", verbosity=0)
    call_command("demo")
    url = f"http://{args.bind if args.bind not in ('0.0.0.0', '::') else '127.0.0.1'}:{args.port}"
    if not os.environ.get("HUSHPOST_BASE_URL"):
        os.environ["HUSHPOST_BASE_URL"] = url
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS, "PYTHONUNBUFFERED": "1"}
    children = {
        "web": subprocess.Popen(_gunicorn_argv(args.bind, args.port, *_web_size()), env=env),
        "worker": subprocess.Popen(_worker_argv(), env=env),
        "scheduler": subprocess.Popen(_scheduler_argv(), env=env),
    }
    from hushpost.web.demo import demo_sign_in_lines

    print(f"\nHushpost is running at {url}/  (data in {settings.DATA_DIR}; Ctrl-C stops it)")
    for line in demo_sign_in_lines():
        print(line)
    print(flush=True)
    return _supervise(children)


def _supervise(children: dict[str, subprocess.Popen]) -> int:
    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    exit_code = 0
    while not stopping:
        for name, child in children.items():
            if child.poll() is not None:
                print(
                    f"hushpost: the {name} process stopped (exit {child.returncode}); "
                    "stopping the rest.",
                    file=sys.stderr,
                )
                exit_code = child.returncode or 1
                stopping = True
                break
        time.sleep(0.3)
    for child in children.values():
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
    print("Hushpost stopped.")
    return exit_code


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not 0 <= seconds < float("inf"):
        raise argparse.ArgumentTypeError("must be zero or more seconds")
    return seconds


def _count(value: str) -> int:
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of threads (0 or more)")
    return int(value)


def _web_size(workers: int | None = None, threads: int | None = None) -> tuple[int, int]:
    """Web processes and threads each: the command's options, else the environment's,
    else the defaults (`hushpost web` and `hushpost run` alike)."""
    return (
        workers or _env_count("HUSHPOST_WEB_WORKERS", _web_workers_default()),
        threads or _env_count("HUSHPOST_WEB_THREADS", WEB_THREADS),
    )


def _env_count(name: str, default: int) -> int:
    """A count of workers or threads from the environment (1 or more)."""
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"{name}={value!r} is not a number (1 or more).")
    return int(value)


def _processes(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of processes (1 or more)")
    return int(value)


def _threads(value: str) -> int:
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of threads (1 or more)")
    return int(value)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(prog="hushpost", description="Hushpost secure messaging.")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="run everything on one machine (the demo)")
    run.add_argument("--port", type=int, default=8000)
    run.add_argument("--bind", default="127.0.0.1")
    web = commands.add_parser("web", help="serve the web app and API (production)")
    web.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    web.add_argument("--bind", default="0.0.0.0")
    web.add_argument(
        "--workers",
        type=_processes,
        default=None,
        help="processes (default HUSHPOST_WEB_WORKERS, else 2 per CPU, at most 8)",
    )
    web.add_argument(
        "--threads",
        type=_threads,
        default=None,
        help=f"threads per process (default HUSHPOST_WEB_THREADS, else {WEB_THREADS})",
    )
    worker = commands.add_parser("worker", help="run background tasks (any number of these)")
    worker.add_argument(
        "--interval", type=_seconds, default=1.0, help="seconds between polls when idle (default 1)"
    )
    worker.add_argument(
        "--webhook-threads",
        type=_count,
        default=4,
        help="webhook messages in flight at once (default 4; 0 leaves them to `hushpost webhooks`)",
    )
    webhooks = commands.add_parser(
        "webhooks", help="only send webhook messages (workers send them too; optional)"
    )
    webhooks.add_argument(
        "--threads", type=_threads, default=8, help="messages in flight at once (default 8)"
    )
    commands.add_parser("scheduler", help="run the scheduler loop")
    commands.add_parser("manage", help="run a Django management command", add_help=False)

    if argv[:1] == ["manage"]:
        return _guarded(lambda: _manage(argv[1:]))
    args = parser.parse_args(argv)
    handlers = {
        "run": lambda: run_all(args),
        "web": lambda: run_web(args),
        "worker": lambda: _in_process(_worker_argv(args.interval, args.webhook_threads)),
        "webhooks": lambda: _in_process(_webhooks_argv(args.threads)),
        "scheduler": lambda: _in_process(_scheduler_argv()),
    }
    return _guarded(_checked(handlers[args.command], fresh_metrics=args.command == "run"))


def _guarded(action) -> int:
    """Misconfiguration is one clear line and exit status 2, not a traceback."""
    from django.core.exceptions import ImproperlyConfigured

    try:
        return action() or 0
    except ImproperlyConfigured as error:
        print(f"hushpost: {error}", file=sys.stderr)
        return 2
    except StartRefused as refused:
        for line in refused.lines:
            print(f"hushpost: {line}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
