"""How fast one `hushpost worker` drains a big secure text send, against the raw twilio SDK.

Side by side in one run, against the same Twilio stand-in (tests/twilio_standin.py,
served over HTTP from a process of its own, bench/standin_server.py):
- the raw rate: the twilio SDK's `messages.create` in a plain loop, what a
  script with no database, no queue and no encryption reaches;
- Hushpost's rate: 10,000 secure text messages queued through the send
  pipeline (messaging.compose.send_message, as Compose does), then drained by
  ONE `hushpost worker` process, from the first message at the stand-in to the
  last delivery settled; on SQLite, and on PostgreSQL too with --postgres.
The raw loop is measured before and after each drain and averaged, so a
change of load on the machine hits both sides. Every run checks the counts at
the stand-in: each delivery once, none lost. The ratio (Hushpost / raw) is
printed last; the target is 0.5 or more (issue 14).

    python -m bench.drain [--count 10000] [--workers 1] [--postgres postgresql://…/db]

Scale-out (--scale): the same drain by one worker and then by --workers
workers, the ratio of the two printed last (target: 4 workers on PostgreSQL
≥ 3× one). Give the stand-in a real API's answer time (--latency 0.1) and a
small --concurrency so one worker waits on the provider rather than on this
machine's CPUs, as a real worker does; otherwise more workers only share the
same cores.

--postgres empties that database (flush) before and after: give it one of its own.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.clinic import secure_clinic
from bench.rss import rss_mb

ROOT = Path(__file__).resolve().parents[1]
HUSHPOST = Path(sys.executable).with_name("hushpost")
SDK_COUNT = 2000  # the raw loop's messages per measurement
CHUNK = 1000  # recipients per send (Compose's limit before issue 14)


# --- the parent: stand-in, raw loop, one child process per database ---------


def start_standin(latency: float = 0.0) -> tuple[subprocess.Popen, dict]:
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.standin_server", "--latency", str(latency)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    return process, json.loads(process.stdout.readline())


def stats(standin: dict, times: bool = False) -> dict:
    url = standin["url"] + "/bench/stats" + ("?times=1" if times else "")
    with urllib.request.urlopen(url) as answer:
        return json.load(answer)


def reset(standin: dict) -> None:
    request = urllib.request.Request(standin["url"] + "/bench/reset", data=b"", method="POST")
    urllib.request.urlopen(request).close()


def raw_rate(standin: dict, count: int = SDK_COUNT) -> float:
    """Messages per second of the twilio SDK in a plain loop (one client, as a script would)."""
    from twilio.rest import Client

    client = Client(standin["account_sid"], standin["auth_token"], environment={})
    client.api.base_url = standin["url"]
    started = time.perf_counter()
    for i in range(count):
        client.messages.create(
            to=f"+1415{i % 10_000_000:07d}",
            from_=standin["from_number"],
            body=f"Riverside Clinic sent you a secure message: https://h.example/s/raw-{i}",
        )
    rate = count / (time.perf_counter() - started)
    reset(standin)
    return rate


def run_pass(
    standin: dict,
    database_url: str,
    count: int,
    workers: int,
    module: str = "bench.drain",
    concurrency: int = 0,
) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUSHPOST_", "DATABASE_URL"))}
    env.update(
        DATABASE_URL=database_url,
        HUSHPOST_DATA_DIR=os.environ.get("HUSHPOST_DATA_DIR") or tempfile.mkdtemp(),
        # As in production: development's DEBUG formats and keeps every statement's SQL.
        HUSHPOST_DEBUG="false",
    )
    if concurrency:
        env["HUSHPOST_WORKER_CONCURRENCY"] = str(concurrency)
    answer = subprocess.run(
        [
            sys.executable,
            "-m",
            module,
            "--child",
            json.dumps(standin),
            "--count",
            str(count),
            "--workers",
            str(workers),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    return json.loads(answer.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--postgres", metavar="URL", help="also drain on this PostgreSQL database")
    parser.add_argument(
        "--no-sqlite", action="store_true", help="only the PostgreSQL pass (with --postgres)"
    )
    parser.add_argument(
        "--latency",
        type=float,
        default=0.0,
        help="seconds the stand-in takes to answer each request (a real API's 50–100 ms)",
    )
    parser.add_argument(
        "--concurrency", type=int, default=0, help="HUSHPOST_WORKER_CONCURRENCY of each worker"
    )
    parser.add_argument(
        "--scale",
        action="store_true",
        help="drain with 1 worker, then with --workers, side by side; print that ratio",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(json.loads(args.child), args.count, args.workers)
    process, standin = start_standin(args.latency)
    try:
        if args.scale:
            return scale_out(standin, args)
        data_dir = tempfile.mkdtemp(prefix="hushpost-drain-")
        databases = [] if args.no_sqlite else [("sqlite", f"sqlite:///{data_dir}/bench.sqlite3")]
        if args.postgres:
            databases.append(("postgresql", args.postgres))
        ratios = []
        print(
            f"{args.count:,} secure texts, {args.workers} worker(s); raw loop {SDK_COUNT:,} texts",
            flush=True,
        )
        for name, url in databases:
            before = raw_rate(standin)
            result = run_pass(standin, url, args.count, args.workers)
            after = raw_rate(standin)
            raw = (before + after) / 2
            ratio = result["rate"] / raw
            ratios.append((name, ratio))
            print(
                f"{name}: raw twilio SDK loop {raw:.0f}/s ({before:.0f}, {after:.0f}); "
                f"hushpost {result['rate']:.0f}/s; "
                f"at the stand-in {result['messages']:,} messages, "
                f"{result['distinct']:,} distinct, "
                f"{result['duplicates']} duplicates, {result['lost']} lost; "
                f"queueing took {result['queue_seconds']:.1f} s; worker RSS "
                f"{result['rss_at_1000_mb']:.0f} MB after 1,000, "
                f"peak {result['rss_peak_mb']:.0f} MB, "
                f"end {result['rss_end_mb']:.0f} MB; ratio {ratio:.2f}",
                flush=True,
            )
        print("ratio (hushpost / raw SDK): " + ", ".join(f"{n} {r:.2f}" for n, r in ratios))
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(timeout=10)


def scale_out(standin: dict, args) -> None:
    """The same drain by one worker and by --workers workers, one after the other on
    each database, against a stand-in slow enough that one worker waits on it."""
    databases = [] if args.no_sqlite else [("sqlite", None)]
    if args.postgres:
        databases.append(("postgresql", args.postgres))
    print(
        f"{args.count:,} secure texts; stand-in latency {args.latency * 1000:.0f} ms; "
        f"concurrency {args.concurrency or 'default'} per worker",
        flush=True,
    )
    ratios = []
    for name, url in databases:
        rates = {}
        for workers in (1, args.workers):
            if url is None:
                data_dir = tempfile.mkdtemp(prefix="hushpost-drain-")
                url = f"sqlite:///{data_dir}/bench.sqlite3"
            result = run_pass(standin, url, args.count, workers, concurrency=args.concurrency)
            rates[workers] = result["rate"]
            print(
                f"{name}, {workers} worker(s): {result['rate']:.0f}/s; at the stand-in "
                f"{result['messages']:,} messages, {result['distinct']:,} distinct, "
                f"{result['duplicates']} duplicates, {result['lost']} lost; worker RSS "
                f"{result['rss_at_1000_mb']:.0f} MB after 1,000, "
                f"peak {result['rss_peak_mb']:.0f} MB, end {result['rss_end_mb']:.0f} MB",
                flush=True,
            )
        ratios.append((name, rates[args.workers] / rates[1]))
    print(
        f"ratio ({args.workers} workers / 1 worker): "
        + ", ".join(f"{n} {r:.2f}" for n, r in ratios)
    )


# --- the child: one database, queue, drain, count ----------------------------


def child(standin: dict, count: int, workers: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hushpost.settings")
    os.environ["HUSHPOST_LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    started = time.perf_counter()
    ids = queue_secure_texts(count)
    queue_seconds = time.perf_counter() - started
    log_dir = Path(tempfile.mkdtemp(prefix="hushpost-drain-logs-"))
    procs = [start_worker(standin, log_dir / f"worker-{i}.log") for i in range(workers)]
    try:
        rate, memory = drain_rate(ids, procs)
    finally:
        for process in procs:
            process.terminate()
        for process in procs:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                # Never leave a worker behind on the bench database: the next run's
                # rows (under a new key) would be claimed by it and fail to decrypt.
                print(f"bench.drain: worker {process.pid} ignored SIGTERM", file=sys.stderr)
                process.kill()
                process.wait()
    seen = stats(standin)
    reset(standin)
    from hushpost.delivery.models import Delivery, DeliveryStatus

    done = Delivery.objects.filter(
        pk__in=ids, status__in=(DeliveryStatus.SENT, DeliveryStatus.DELIVERED)
    ).count()
    call_command("flush", interactive=False, verbosity=0)
    print(
        json.dumps(
            {
                "rate": rate,
                "queue_seconds": queue_seconds,
                "messages": seen["messages"],
                "distinct": seen["distinct"],
                "duplicates": seen["messages"] - seen["distinct"],
                "lost": count - seen["distinct"],
                "marked_sent": done,
                **memory,
            }
        )
    )


def queue_secure_texts(count: int) -> list:
    from hushpost.messaging.compose import send_message

    org, contacts = secure_clinic(count)
    ids = []
    for start in range(0, count, CHUNK):
        result = send_message(
            org,
            contacts=contacts[start : start + CHUNK],
            channel="sms",
            secure=True,
            body="Your results are ready.",
            actor_label="bench",
        )
        ids.extend(o.delivery.pk for o in result.outcomes)
    return ids


def start_worker(standin: dict, log: Path) -> subprocess.Popen:
    env = dict(
        os.environ,
        TWILIO_ACCOUNT_SID=standin["account_sid"],
        TWILIO_AUTH_TOKEN=standin["auth_token"],
        TWILIO_FROM_NUMBER=standin["from_number"],
        TWILIO_API_BASE_URL=standin["url"],
    )
    return subprocess.Popen(
        [str(HUSHPOST), "worker", "--interval", "0.1"],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def drain_rate(ids, procs) -> tuple[float, dict]:
    """Deliveries settled per second, from the first one settled to the last (the
    worker's start-up is not counted), and the workers' memory: the largest RSS
    once 1,000 were settled, and at the end."""
    from hushpost.delivery.models import Delivery, DeliveryStatus

    unsettled = Delivery.objects.filter(
        pk__in=ids, status__in=(DeliveryStatus.QUEUED, DeliveryStatus.SENDING)
    )
    total = len(ids)
    first: tuple[float, int] | None = None
    at_1000 = peak = 0.0
    deadline = time.monotonic() + 3600
    while time.monotonic() < deadline:
        left = unsettled.count()
        now = time.perf_counter()
        rss = max(rss_mb(process.pid) for process in procs)
        peak = max(peak, rss)
        if not at_1000 and total - left >= min(1000, total):
            at_1000 = rss
        if left < total and first is None:
            first = (now, total - left)
        if left == 0:
            break
        time.sleep(0.2)
    else:
        raise SystemExit("bench.drain: the worker did not drain the queue within an hour")
    assert first is not None
    started, done_then = first
    memory = {"rss_at_1000_mb": at_1000, "rss_peak_mb": peak, "rss_end_mb": rss}
    return (total - done_then) / max(now - started, 1e-9), memory


if __name__ == "__main__":
    main()
