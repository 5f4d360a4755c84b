"""How long does `POST /messages` take to accept a 10,000-recipient secure text?

Builds, in a fresh database (SQLite in a temporary data dir, or PostgreSQL with
--postgres URL, which must be an empty database), an organization with
10,000 contacts and an API key, starts a real `hushpost web` (gunicorn, one
worker) on 127.0.0.1, and sends the secure SMS through the API three times,
timing each answer from outside as a client would. It prints the median
answer time and the web worker's resident memory after the sends, then fans
the first send out in this process (what a worker does in the background)
and prints its rate. The last line is the answer time as a ratio of the
target (1 s): below 1 is within it.

    HUSHPOST_DATA_DIR=$(mktemp -d) python -m bench.bulk_send [--postgres URL] [--recipients N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import tempfile
import time
import urllib.request

from bench.clinic import secure_clinic
from bench.rss import tree_rss_mb
from bench.servers import start_hushpost

TARGET_SECONDS = 1.0
SENDS = 3


def _args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="an empty PostgreSQL database URL")
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--no-fan-out", action="store_true", help="skip the fan-out timing")
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

from hushpost.accounts.api_keys import create_key  # noqa: E402
from hushpost.delivery.models import Delivery  # noqa: E402
from hushpost.messaging.fan_out import run_fan_out  # noqa: E402


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def build(recipients: int) -> tuple[list[str], str]:
    org, contacts = secure_clinic(recipients)
    _, raw = create_key(org, "bench")
    return [str(c.pk) for c in contacts], raw


def start_web(port: int) -> subprocess.Popen:
    return start_hushpost(port, "web", "--workers", "1", HUSHPOST_API_RATE="0")


def post(url: str, key: str, document: dict) -> tuple[float, dict]:
    request = urllib.request.Request(
        url,
        data=json.dumps(document).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST",
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        body = json.loads(response.read())
        status = response.status
    elapsed = time.perf_counter() - started
    if status != 202 or body["status"] != "fanning_out":
        raise SystemExit(f"unexpected answer {status}: {body}")
    return elapsed, body


def main() -> int:
    call_command("migrate", verbosity=0)
    ids, key = build(ARGS.recipients)
    engine = connection.vendor
    connection.close()  # the web process and this one must not share a connection
    port = free_port()
    web = start_web(port)
    try:
        url = f"http://127.0.0.1:{port}/api/v1/messages"
        document = {
            "contact_ids": ids,
            "channel": "sms",
            "secure": True,
            "body": "Your results are ready, {{ contact.first_name }}.",
        }
        times, first = [], None
        for _ in range(SENDS):
            elapsed, body = post(url, key, document)
            times.append(elapsed)
            first = first or body
        rss = tree_rss_mb(web.pid)  # gunicorn's master and worker
    finally:
        web.terminate()
        web.wait(timeout=15)
    answer = statistics.median(times)
    print(f"database: {engine}; recipients: {len(ids):,}; sends: {SENDS}")
    print(
        "POST /messages answer: median "
        f"{answer * 1000:.0f} ms (each: {', '.join(f'{t * 1000:.0f}' for t in times)} ms)"
    )
    print(f"web RSS after the sends: {rss:.0f} MB")
    if not ARGS.no_fan_out and first is not None:
        started = time.perf_counter()
        run_fan_out(first["id"])
        took = time.perf_counter() - started
        made = Delivery.objects.filter(send_id=first["id"]).count()
        print(f"fan-out (one process): {made:,} deliveries in {took:.1f} s ({made / took:.0f}/s)")
    print(f"ratio answer/target ({TARGET_SECONDS:.0f} s): {answer / TARGET_SECONDS:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
