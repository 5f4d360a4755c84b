"""Is the contact's conversation page as quick as the sign-in page, under load?

Builds a fresh database with one organization, 50 contacts each with a
conversation of 20 messages (secure, with a link) and a live portal session
per contact, starts the server — `hushpost run` on SQLite (the default), or
`hushpost web` on PostgreSQL with --postgres URL (an empty database) — on
127.0.0.1 and then, side by side in one run, drives each page with 50
concurrent keep-alive clients for a bounded time: the staff sign-in page
(GET /accounts/login/) and the opened conversation page (GET
/s/conversation/, each client with its own session). It prints requests per
second and latency percentiles for both, and last the ratio of the rates and
the conversation page's p99.

    HUSHPOST_DATA_DIR=$(mktemp -d) python -m bench.portal [--postgres URL] [--seconds 15]
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = 50
MESSAGES = 20


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="an empty PostgreSQL database URL (hushpost web)")
    parser.add_argument("--seconds", type=float, default=15.0, help="per page, at most 120")
    parser.add_argument("--clients", type=int, default=CLIENTS)
    return parser.parse_args()


ARGS = _args()
os.environ.setdefault("HUSHPOST_DATA_DIR", tempfile.mkdtemp(prefix="hushpost-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hushpost.settings")
os.environ.setdefault("HUSHPOST_LOG_LEVEL", "WARNING")
if ARGS.postgres:
    os.environ["DATABASE_URL"] = ARGS.postgres
else:
    os.environ.pop("DATABASE_URL", None)
os.environ.pop("REDIS_URL", None)

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from hushpost.accounts.models import Organization  # noqa: E402
from hushpost.contacts.models import Contact  # noqa: E402
from hushpost.messaging.conversations import conversation_for  # noqa: E402
from hushpost.messaging.links import create_link  # noqa: E402
from hushpost.messaging.models import Message, SecureLink, SecureMessagingSettings  # noqa: E402
from hushpost.portal.models import PortalSession  # noqa: E402
from hushpost.portal.sessions import COOKIE_NAME  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build(clients: int) -> list[str]:
    """Contacts with a thread each and a live portal session; the session keys."""
    org = Organization.objects.create(
        name="Bench Clinic", company_name="Bench Clinic", slug="bench", time_zone="UTC"
    )
    settings = SecureMessagingSettings.objects.for_org(org)
    settings.enabled = True
    settings.save()
    contacts = [
        Contact.objects.create(organization=org, name=f"Contact {i}", phone=f"+1415555{i:04d}")
        for i in range(clients)
    ]
    # Written straight into each conversation: nothing queued for the server's worker to send
    # while the pages are measured.
    for contact in contacts:
        conversation = conversation_for(contact)
        for n in range(MESSAGES):
            message = Message(
                organization=org,
                conversation=conversation,
                contact=contact,
                direction="outbound" if n % 3 else "inbound",
                origin="compose" if n % 3 else "portal",
                channel="sms",
                secure=True,
            )
            message.body = f"Message {n}: your results are ready, {contact.name}. " * 3
            message.save()
        create_link(contact=contact, message=message, channel="sms", lifetime=timedelta(days=1))
    keys = []
    now = timezone.now()
    for contact in contacts:
        key = secrets.token_urlsafe(32)
        link = SecureLink.objects.filter(contact=contact).latest("created_at")
        PortalSession.objects.create(
            key_hash=hashlib.sha256(key.encode()).hexdigest(),
            organization=org,
            contact=contact,
            link=link,
            created_at=now,
            last_seen_at=now,
        )
        keys.append(key)
    return keys


def start_server(port: int) -> subprocess.Popen:
    env = {**os.environ, "HUSHPOST_BASE_URL": f"http://127.0.0.1:{port}"}
    command = "web" if ARGS.postgres else "run"
    process = subprocess.Popen(
        [sys.executable, "-m", "hushpost.cli", command, "--bind", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"hushpost {command} stopped at start")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/accounts/login/", timeout=2):
                return process
        except OSError:
            time.sleep(0.3)
    stop(process)
    raise SystemExit(f"hushpost {command} never answered")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def drive(port: int, path: str, cookies: list[str], seconds: float) -> dict:
    """`len(cookies)` clients, each on its own kept-alive connection, for `seconds`."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    start = threading.Barrier(len(cookies) + 1)
    deadline = [0.0]

    def client(cookie: str) -> None:
        mine: list[float] = []
        bad = 0
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        headers = {"Cookie": cookie} if cookie else {}
        start.wait()
        while time.perf_counter() < deadline[0]:
            began = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if response.status != 200:
                    bad += 1
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            mine.append(time.perf_counter() - began)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=client, args=(c,)) for c in cookies]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    deadline[0] = began + seconds
    start.wait()
    for thread in threads:
        thread.join()
    took = time.perf_counter() - began
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000

    return {
        "rate": len(latencies) / took,
        "requests": len(latencies),
        "errors": errors[0],
        "p50": pct(0.50),
        "p99": pct(0.99),
        "mean": statistics.fmean(latencies) * 1000,
    }


def main() -> int:
    seconds = min(max(ARGS.seconds, 1.0), 120.0)
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    keys = build(ARGS.clients)
    engine = connection.vendor
    connection.close()
    port = free_port()
    server = start_server(port)
    try:
        cookies = [f"{COOKIE_NAME}={key}" for key in keys]
        # Warm both pages once so neither pays for first imports.
        drive(port, "/accounts/login/", [""] * 4, 1.0)
        drive(port, "/s/conversation/", cookies, 1.0)
        sign_in = drive(port, "/accounts/login/", [""] * len(cookies), seconds)
        page = drive(port, "/s/conversation/", cookies, seconds)
    finally:
        stop(server)
    server_name = "hushpost web" if ARGS.postgres else "hushpost run"
    print(f"{engine} ({server_name}); {len(keys)} concurrent clients; {seconds:.0f} s per page")
    for name, result in (("sign-in page", sign_in), ("conversation page", page)):
        print(
            f"{name}: {result['rate']:.0f}/s ({result['requests']} requests, "
            f"{result['errors']} errors); p50 {result['p50']:.0f} ms, p99 {result['p99']:.0f} ms"
        )
    print(
        f"ratio conversation/sign-in: {page['rate'] / sign_in['rate']:.2f}; "
        f"conversation p99 {page['p99']:.0f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
