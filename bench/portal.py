"""Is the contact's conversation page as quick as the sign-in page, under load?

For each database — SQLite served by `hushpost run` (web, worker and scheduler,
as the one-command demo runs), and with --postgres also PostgreSQL served by
`hushpost web` — a child process builds one organization, 50 contacts each with
a conversation of 20 messages (secure, with a link) and a live portal session
per contact, starts the server on 127.0.0.1 and drives two pages with 50
concurrent keep-alive clients: the staff sign-in page (GET /accounts/login/)
and the opened conversation page (GET /s/conversation/, each client with its
own session). Side by side: the two pages take turns in short rounds (ROUNDS
of each, `--seconds` in all per page), so a change of load on the machine hits
both. Every session is opened once before the rounds: a contact's first view
records `message_viewed` and the read receipts (writes, once per session);
what is measured is the page as a contact reloads and comes back to it.

It prints, per database, requests per second and latency percentiles for both
pages, and last the ratios (conversation / sign-in) and the conversation page's
p99. Target (issue 14): ratio 0.5 or more, p99 under 100 ms.

    python -m bench.portal [--postgres URL] [--seconds 20] [--clients 50]

--postgres empties that database (flush) before and after: give it one of its own.
"""

from __future__ import annotations

import argparse
import hashlib
import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

from bench.clinic import secure_clinic
from bench.servers import start_hushpost

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = 50
MESSAGES = 20
ROUNDS = 4
SIGN_IN = "/accounts/login/"
CONVERSATION = "/s/conversation/"


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", help="also on this PostgreSQL database")
    parser.add_argument("--seconds", type=float, default=20.0, help="per page, at most 120")
    parser.add_argument("--clients", type=int, default=CLIENTS)
    parser.add_argument("--child", choices=("sqlite", "postgresql"), help=argparse.SUPPRESS)
    return parser.parse_args()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build(clients: int) -> list[str]:
    """Contacts with a thread each and a live portal session; the session keys."""
    from django.utils import timezone

    from hushpost.messaging.conversations import conversation_for
    from hushpost.messaging.links import create_link
    from hushpost.messaging.models import Message, SecureLink
    from hushpost.portal.models import PortalSession

    org, contacts = secure_clinic(clients)
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


def start_server(port: int, command: str) -> subprocess.Popen:
    return start_hushpost(port, command)


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
    return {"latencies": latencies, "took": took, "requests": len(latencies), "errors": errors[0]}


def child(engine: str, clients: int, seconds: float) -> None:
    """One database: build, serve, measure both pages in turns; a JSON line on stdout."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from hushpost.portal.sessions import COOKIE_NAME

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    if engine == "postgresql":
        call_command("flush", interactive=False, verbosity=0)
    keys = build(clients)
    connection.close()
    port = free_port()
    server = start_server(port, "web" if engine == "postgresql" else "run")
    cookies = [f"{COOKIE_NAME}={key}" for key in keys]
    results: dict[str, list[dict]] = {SIGN_IN: [], CONVERSATION: []}
    try:
        # Warm both pages so neither pays for first imports, and open every session
        # once: a first view writes (message_viewed, read receipts), a reload doesn't.
        drive(port, SIGN_IN, [""] * len(cookies), 1.0)
        first = drive(port, CONVERSATION, cookies, 1.0)
        for _ in range(ROUNDS):
            for path, who in ((SIGN_IN, [""] * len(cookies)), (CONVERSATION, cookies)):
                results[path].append(drive(port, path, who, seconds / ROUNDS))
    finally:
        stop(server)
        if engine == "postgresql":
            call_command("flush", interactive=False, verbosity=0)
    print(
        json.dumps(
            {
                "first_views": first,
                "sign_in": combine(results[SIGN_IN]),
                "conversation": combine(results[CONVERSATION]),
            }
        )
    )


def combine(rounds: list[dict]) -> dict:
    latencies = sorted(x for one in rounds for x in one["latencies"])
    took = sum(one["took"] for one in rounds)

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000

    return {
        "rate": len(latencies) / took,
        "requests": len(latencies),
        "errors": sum(one["errors"] for one in rounds),
        "p50": pct(0.50),
        "p99": pct(0.99),
    }


def run_child(engine: str, url: str | None, args: argparse.Namespace) -> dict:
    env = {
        **os.environ,
        "HUSHPOST_DATA_DIR": tempfile.mkdtemp(prefix=f"hushpost-portal-{engine}-"),
        "DJANGO_SETTINGS_MODULE": "hushpost.settings",
        "HUSHPOST_LOG_LEVEL": "WARNING",
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    if url:
        env["DATABASE_URL"] = url
    answer = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.portal",
            "--child",
            engine,
            "--clients",
            str(args.clients),
            "--seconds",
            str(args.seconds),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        check=True,
        timeout=args.seconds * 2 + 600,
    )
    return json.loads(answer.stdout.strip().splitlines()[-1])


def main() -> int:
    args = _args()
    args.seconds = min(max(args.seconds, 2.0), 120.0)
    if args.child:
        child(args.child, args.clients, args.seconds)
        return 0
    passes = [("sqlite", None, "hushpost run")]
    if args.postgres:
        passes.append(("postgresql", args.postgres, "hushpost web"))
    print(
        f"{args.clients} concurrent keep-alive clients; {args.seconds:.0f} s per page "
        f"in {ROUNDS} alternating rounds; {MESSAGES} messages per conversation",
        flush=True,
    )
    summary = []
    for engine, url, server in passes:
        result = run_child(engine, url, args)
        first = result["first_views"]
        print(
            f"{engine} ({server}): first views (every session once, before the rounds): "
            f"{first['requests']} in {first['took']:.1f} s, {first['errors']} errors",
            flush=True,
        )
        for name in ("sign_in", "conversation"):
            one = result[name]
            print(
                f"{engine} ({server}) {name.replace('_', '-')} page: {one['rate']:.0f}/s "
                f"({one['requests']} requests, {one['errors']} errors); "
                f"p50 {one['p50']:.0f} ms, p99 {one['p99']:.0f} ms",
                flush=True,
            )
        ratio = result["conversation"]["rate"] / result["sign_in"]["rate"]
        summary.append(f"{engine} {ratio:.2f} (p99 {result['conversation']['p99']:.0f} ms)")
    print("ratio conversation/sign-in: " + ", ".join(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
