"""Real `hushpost worker` processes against the test database, and what they did.

Shared by tests/delivery/test_faults*.py and bench/reliability.py. The
workers are separate processes started from the venv's `hushpost` script;
they read the same database (the test database file in HUSHPOST_DATA_DIR on
SQLite, the test database on PostgreSQL) and the same development keys, and
talk to the Twilio stand-in and the SMTP server over real sockets.
"""

from __future__ import annotations

import collections
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection, transaction

from hushpost.delivery.models import Delivery, DeliveryStatus
from hushpost.delivery.send import queue_delivery

ROOT = Path(__file__).resolve().parents[1]
HUSHPOST = Path(sys.executable).with_name("hushpost")


def database_url(host: str | None = None, port: int | None = None) -> str:
    """The URL of the database this process uses now (the test database under pytest)."""
    conf = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{conf['NAME']}"
    auth = quote(conf["USER"] or "")
    if conf.get("PASSWORD"):
        auth += ":" + quote(conf["PASSWORD"])
    return (
        f"postgresql://{auth}@{host or conf['HOST'] or '127.0.0.1'}:{port or conf['PORT'] or 5432}"
        f"/{conf['NAME']}"
    )


def worker_env(
    *, twilio=None, smtp_port: int | None = None, db_url: str | None = None
) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HUSHPOST_", "DATABASE_URL", "DJANGO_", "TWILIO_", "SMTP_"))
    }
    env.update(
        HUSHPOST_DATA_DIR=str(settings.DATA_DIR),
        DATABASE_URL=db_url or database_url(),
        HUSHPOST_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    if settings.HUSHPOST_KEYS:
        env["HUSHPOST_KEYS"] = settings.HUSHPOST_KEYS
    if twilio is not None:
        env.update(
            TWILIO_ACCOUNT_SID=twilio.account_sid,
            TWILIO_AUTH_TOKEN=twilio.auth_token,
            TWILIO_FROM_NUMBER=twilio.from_number,
            TWILIO_API_BASE_URL=twilio.url,
        )
    if smtp_port is not None:
        env.update(
            SMTP_HOST="127.0.0.1",
            SMTP_PORT=str(smtp_port),
            SMTP_TLS="none",
            SMTP_TIMEOUT_SECONDS="5",
        )
    return env


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    """`hushpost worker`, polling every 0.1 s so a test doesn't wait for its interval."""
    out = open(log, "ab")
    process = subprocess.Popen(
        [str(HUSHPOST), "worker", "--interval", "0.1"],
        cwd=ROOT,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    process.log_file = out
    return process


def stop_worker(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    process.log_file.close()


def queue_texts(contact, count: int, prefix: str = "sms") -> list:
    """`count` text messages to one contact, each body unique (as each link is),
    queued in one transaction."""
    return _queue(
        contact,
        "sms",
        contact.phone,
        count,
        prefix,
        subject="",
        text="Riverside Clinic sent you a secure message:",
    )


def queue_emails(contact, count: int, prefix: str = "mail") -> list:
    """`count` emails, like queue_texts."""
    return _queue(
        contact,
        "email",
        contact.email,
        count,
        prefix,
        subject="A secure message",
        text="Open it here:",
    )


def _queue(
    contact, channel: str, to: str, count: int, prefix: str, *, subject: str, text: str
) -> list:
    with transaction.atomic():
        return [
            queue_delivery(
                organization=contact.organization,
                contact=contact,
                channel=channel,
                to=to,
                subject=subject,
                body=f"{text} https://h.example/s/{prefix}-{i}",
                idempotency_key=f"{prefix}:{i}",
            ).pk
            for i in range(count)
        ]


def wait_until(predicate: Callable[[], bool], timeout: float, what: str) -> float:
    """Seconds it took; AssertionError with `what` if it never came true."""
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.1)
    return time.monotonic() - start


def settled(ids) -> bool:
    return not Delivery.objects.filter(
        pk__in=ids, status__in=(DeliveryStatus.QUEUED, DeliveryStatus.SENDING)
    ).exists()


def count_by_status(ids) -> dict[str, int]:
    return dict(
        collections.Counter(Delivery.objects.filter(pk__in=ids).values_list("status", flat=True))
    )


@dataclass
class Tally:
    """What the provider got against what we queued: the figures docs/RELIABILITY.md reports."""

    queued: int
    sent: int  # distinct queued bodies the provider has
    duplicates: int  # provider messages beyond the first for a body
    lost: int  # queued, not at the provider
    marked_sent: int  # deliveries we record as sent or delivered
    stuck: int  # still queued or sending

    @property
    def exact(self) -> bool:
        return (
            self.duplicates == 0
            and self.lost == 0
            and self.marked_sent == self.queued
            and self.stuck == 0
        )


def tally(
    ids, provider_keys: list[str], key: Callable[[Delivery], str] = lambda d: d.body
) -> Tally:
    """`provider_keys`: what identifies each message the provider got (the SMS body;
    an email's Message-ID)."""
    deliveries = list(Delivery.objects.filter(pk__in=ids))
    wanted = collections.Counter(key(d) for d in deliveries)
    got = collections.Counter(k for k in provider_keys if k in wanted)
    done = (DeliveryStatus.SENT, DeliveryStatus.DELIVERED)
    return Tally(
        queued=len(deliveries),
        sent=len(got),
        duplicates=sum(n - 1 for n in got.values()),
        lost=sum(1 for body in wanted if body not in got),
        marked_sent=sum(1 for d in deliveries if d.status in done),
        stuck=sum(
            1 for d in deliveries if d.status in (DeliveryStatus.QUEUED, DeliveryStatus.SENDING)
        ),
    )


class TcpProxy:
    """A TCP relay (threads) between workers and PostgreSQL that can cut every
    connection and refuse new ones."""

    def __init__(self, target: tuple[str, int]):
        self.target = target
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.refusing = threading.Event()
        self.closed = threading.Event()
        self._pairs: list[tuple[socket.socket, socket.socket]] = []
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.closed.is_set():
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            if self.refusing.is_set():
                # A reset, as a restarting server's port gives.
                client.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                )
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._pairs.append((client, upstream))
            threading.Thread(target=self._relay, args=(client, upstream), daemon=True).start()

    def _relay(self, a: socket.socket, b: socket.socket) -> None:
        sockets = [a, b]
        try:
            while True:
                readable, _, _ = select.select(sockets, [], [], 0.5)
                for sock in readable:
                    data = sock.recv(65536)
                    if not data:
                        return
                    (b if sock is a else a).sendall(data)
        except OSError:
            return
        finally:
            for sock in sockets:
                try:
                    sock.close()
                except OSError:
                    pass

    def outage(self, seconds: float) -> None:
        """Drop every connection, refuse new ones for `seconds`, then let them through again."""
        self.refusing.set()
        with self._lock:
            pairs, self._pairs = self._pairs, []
        for pair in pairs:
            for sock in pair:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
        time.sleep(seconds)
        self.refusing.clear()

    def close(self) -> None:
        self.closed.set()
        self.listener.close()
        self.outage(0)


def report(scenario: str, result: Tally, seconds: float) -> None:
    """With HUSHPOST_RELIABILITY_REPORT set (bench/reliability.py does), add this
    run's figures to that file."""
    path = os.environ.get("HUSHPOST_RELIABILITY_REPORT")
    if not path:
        return
    row = {
        "scenario": scenario,
        "database": connection.vendor,
        "queued": result.queued,
        "sent": result.sent,
        "duplicates": result.duplicates,
        "lost": result.lost,
        "stuck": result.stuck,
        "seconds": round(seconds, 1),
    }
    with open(path, "a") as out:
        out.write(json.dumps(row) + "\n")
