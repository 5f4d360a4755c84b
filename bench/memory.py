"""Web and worker memory through one 100,000-recipient secure text send, end to end.

Per database (SQLite in a temporary data dir; PostgreSQL with --postgres, a
database of its own that is flushed before and after), in a child process:
a clinic with --recipients contacts (bench/clinic.py, bulk inserts), a staff
member and an API key; one real `hushpost web` (gunicorn, one worker) and ONE
`hushpost worker`, against the Twilio stand-in in its own process
(bench/standin_server.py, as bench/drain.py uses it). Then ONE
`POST /api/v1/messages` with `{"filter": {"all_contacts": true}}`, a secure
text to everyone; while the worker fans it out and drains it, the send is
followed with `GET /api/v1/messages/{id}` every second as a client would, and
every second the resident memory of web (the largest of gunicorn's master and
worker) and of the worker is sampled. Once the send is done, the staff member
signs in and opens the send's progress page (first and last page of its
table) and downloads its CSV (every row counted, memory still sampled).

Printed per database: the RSS after the first 1,000 settled, at the peak and
at the end, for web and worker; the growth after the first 1,000 (peak minus
that); the stand-in's count (each recipient exactly once: 0 lost, 0
duplicates). The verdict line comes last: each process's peak as a ratio of
the 200 MB target, and whether it stayed flat (issue 14: "worker and web RSS
flat (< 200 MB each, no growth after the first 1,000)").

    HUSHPOST_DATA_DIR=$(mktemp -d) python -m bench.memory [--recipients 100000] \
        [--postgres postgresql://…/db] [--no-sqlite] [--max-minutes 30] [--debug]

The servers run with DEBUG off, as in production; --debug keeps development's
DEBUG on (as `hushpost run` has it), where each process also holds the SQL of
its last 9,000 statements. --max-minutes bounds each database's pass; every
server the pass started is stopped when it ends, however it ends.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.clinic import secure_clinic
from bench.drain import reset, start_standin, start_worker, stats
from bench.rss import tree_rss_mb
from bench.servers import start_hushpost

ROOT = Path(__file__).resolve().parents[1]
TARGET_MB = 200.0
SETTLED_MARK = 1000  # "no growth after the first 1,000"
# Allocator noise, not a leak: what a process may gain after the mark and still count as flat.
FLAT_MB = 10.0
SETTLED = ("sent", "delivered", "failed", "held")
EMAIL = "bench@example.com"
PASSWORD = "bench-memory-password-1"


# --- the parent: the stand-in, one child per database, the verdict ----------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=100_000)
    parser.add_argument("--postgres", metavar="URL", help="also on this PostgreSQL database")
    parser.add_argument("--no-sqlite", action="store_true", help="only the PostgreSQL pass")
    parser.add_argument("--max-minutes", type=float, default=30.0, help="bound of each pass")
    parser.add_argument(
        "--debug",
        action="store_true",
        help="servers with DEBUG on, as `hushpost run` has it (default: off, as in production)",
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(json.loads(args.child), args.recipients, args.max_minutes)
    databases = [] if args.no_sqlite else [("sqlite", None)]
    if args.postgres:
        databases.append(("postgresql", args.postgres))
    process, standin = start_standin()
    verdicts = []
    try:
        print(
            f"{args.recipients:,} recipients, one web worker, one worker, "
            f"DEBUG {'on' if args.debug else 'off'}",
            flush=True,
        )
        for name, url in databases:
            if url is None:
                url = f"sqlite:///{tempfile.mkdtemp(prefix='hushpost-memory-')}/bench.sqlite3"
            result = run_pass(standin, url, args)
            print_pass(name, args.recipients, result)
            verdicts.append(verdict(name, args.recipients, result))
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(timeout=10)
    print("verdict (peak / 200 MB): " + "; ".join(verdicts))


def run_pass(standin: dict, database_url: str, args) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HUSHPOST_", "DATABASE_URL", "REDIS_URL"))
    }
    env.update(
        DATABASE_URL=database_url,
        HUSHPOST_DATA_DIR=tempfile.mkdtemp(prefix="hushpost-memory-data-"),
        # Development's DEBUG keeps the SQL of each process's last 9,000 statements
        # (django.db's queries_log), tens of MB in a worker: not what production runs.
        HUSHPOST_DEBUG="true" if args.debug else "false",
    )
    command = [sys.executable, "-m", "bench.memory", "--child", json.dumps(standin)]
    command += ["--recipients", str(args.recipients), "--max-minutes", str(args.max_minutes)]
    child_process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    try:
        # The child bounds itself; this is the backstop if it hangs in set-up or clean-up.
        out, _ = child_process.communicate(timeout=args.max_minutes * 60 + 600)
    finally:
        if child_process.poll() is None:
            # SIGTERM first: the child stops its web and worker on the way out.
            child_process.terminate()
            try:
                child_process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                child_process.kill()
                child_process.wait()
    if child_process.returncode != 0:
        raise SystemExit(f"bench.memory: the pass on {database_url} failed")
    return json.loads(out.strip().splitlines()[-1])


def print_pass(name: str, recipients: int, result: dict) -> None:
    print(
        f"{name}: set-up {result['setup_seconds']:.0f} s; POST answered "
        f"{result['answer_ms']:.0f} ms; send {result['status']} after "
        f"{result['send_seconds']:.0f} s ({result['samples']} samples, one a second)",
        flush=True,
    )
    for process in ("web", "worker"):
        memory = result[process]
        print(
            f"{name}: {process} RSS {memory['at_mark']:.0f} MB after the first "
            f"{SETTLED_MARK:,} settled, peak {memory['peak']:.0f} MB, end {memory['end']:.0f} MB; "
            f"growth after the first {SETTLED_MARK:,} {growth(memory):+.0f} MB",
            flush=True,
        )
    csv = result["csv"]
    print(
        f"{name}: progress page {result['page_ms']:.0f} ms, last page {result['last_page_ms']:.0f} "
        f"ms; CSV {csv['rows']:,} rows ({csv['distinct']:,} contacts) in {csv['seconds']:.1f} s, "
        f"web RSS {csv['web_before']:.0f} MB before it, peak {csv['web_peak']:.0f} MB during it",
        flush=True,
    )
    seen = result["standin"]
    print(
        f"{name}: at the stand-in {seen['messages']:,} messages, {seen['distinct']:,} distinct, "
        f"{seen['messages'] - seen['distinct']} duplicates, "
        f"{recipients - seen['distinct']} lost; counts {result['counts']}",
        flush=True,
    )


def growth(memory: dict) -> float:
    return memory["peak_after_mark"] - memory["at_mark"]


def verdict(name: str, recipients: int, result: dict) -> str:
    parts = []
    flat = result["status"] == "done"
    for process in ("web", "worker"):
        memory = result[process]
        flat = flat and memory["peak"] < TARGET_MB and growth(memory) <= FLAT_MB
        parts.append(f"{process} {memory['peak'] / TARGET_MB:.2f}")
    seen = result["standin"]
    exact = seen["messages"] == seen["distinct"] == recipients
    flat = flat and exact and result["csv"]["rows"] == recipients
    outcome = "flat, within target" if flat else "MISSED (see the lines above)"
    return f"{name} {', '.join(parts)} — {outcome}"


# --- the child: one database, its servers, the send, the samples --------------


@dataclass
class Sample:
    seconds: float
    settled: int
    phase: str
    web: float
    worker: float


@dataclass
class Sampler:
    """Every second, in a thread of its own: the RSS of web and worker, with how many
    deliveries had settled and what the bench was doing then."""

    web_pid: int
    worker_pid: int
    settled: int = 0
    phase: str = "sending"
    samples: list[Sample] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        self._started = time.monotonic()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def sample(self) -> None:
        self.samples.append(
            Sample(
                time.monotonic() - self._started,
                self.settled,
                self.phase,
                tree_rss_mb(self.web_pid),
                tree_rss_mb(self.worker_pid),
            )
        )

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(1.0)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()

    def summary(self, process: str, mark: int) -> dict:
        values = [getattr(s, process) for s in self.samples]
        after_mark = [getattr(s, process) for s in self.samples if s.settled >= mark] or [0.0]
        return {
            "at_mark": after_mark[0],
            "peak": max(values),
            # Growth is counted from the mark on: reading 100,000 ids for the POST, or
            # the fan-out before the first text, may raise it earlier, once.
            "peak_after_mark": max(after_mark),
            "end": values[-1],
        }


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def child(standin: dict, recipients: int, max_minutes: float) -> None:
    deadline = time.monotonic() + max_minutes * 60
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hushpost.settings")
    os.environ["HUSHPOST_LOG_LEVEL"] = "WARNING"
    # A SIGTERM from the parent unwinds through the finally below, which stops the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    started = time.perf_counter()
    key = build(recipients)
    setup_seconds = time.perf_counter() - started
    connection.close()  # the servers and this process must not share a connection
    port = free_port()
    log = Path(tempfile.mkdtemp(prefix="hushpost-memory-logs-")) / "worker.log"
    web = worker = None
    try:
        web = start_hushpost(port, "web", "--workers", "1", HUSHPOST_API_RATE="0")
        worker = start_worker(standin, log)
        result = measure(f"http://127.0.0.1:{port}", key, web.pid, worker.pid, recipients, deadline)
    finally:
        stop(web, worker)
    result["setup_seconds"] = setup_seconds
    result["standin"] = stats(standin)
    reset(standin)
    call_command("flush", interactive=False, verbosity=0)
    print(json.dumps(result))


def build(recipients: int) -> str:
    """The clinic, its staff member and an API key; the raw key."""
    from hushpost.accounts.api_keys import create_key
    from hushpost.accounts.models import Role, User

    org, _ = secure_clinic(recipients)
    User.objects.create_user(EMAIL, PASSWORD, organization=org, role=Role.OWNER)
    return create_key(org, "bench")[1]


def stop(web: subprocess.Popen | None, worker: subprocess.Popen | None) -> None:
    if web is not None and web.poll() is None:
        os.killpg(web.pid, signal.SIGTERM)  # gunicorn's master and its worker
    if worker is not None and worker.poll() is None:
        worker.terminate()
    for process in (web, worker):
        if process is None:
            continue
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            # Never leave a server behind on the bench database.
            print(f"bench.memory: {process.pid} ignored SIGTERM", file=sys.stderr)
            process.kill()
            process.wait()


def measure(base: str, key: str, web_pid: int, worker_pid: int, recipients: int, deadline) -> dict:
    import requests

    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {key}"
    sampler = Sampler(web_pid, worker_pid)
    sampler.start()
    started = time.perf_counter()
    answer = api.post(
        f"{base}/api/v1/messages",
        json={
            "filter": {"all_contacts": True},
            "channel": "sms",
            "secure": True,
            "body": "Your results are ready, {{ contact.first_name }}.",
        },
        timeout=120,
    )
    answer_ms = (time.perf_counter() - started) * 1000
    if answer.status_code != 202:
        sampler.stop()
        raise SystemExit(f"bench.memory: POST answered {answer.status_code}: {answer.text[:500]}")
    send_id = answer.json()["id"]
    body = answer.json()
    while time.monotonic() < deadline:
        body = api.get(f"{base}/api/v1/messages/{send_id}", timeout=60).json()
        sampler.settled = sum(body["counts"][status] for status in SETTLED)
        if body["status"] == "done":
            break
        time.sleep(1.0)
    send_seconds = time.perf_counter() - started
    staff = signed_in(base)
    sampler.phase = "progress page"
    page_ms = timed_get(staff, f"{base}/sends/{send_id}/")
    last_page = -(-recipients // 50)  # the table's 50 a page (web/views/sends.py)
    last_page_ms = timed_get(staff, f"{base}/sends/{send_id}/?page={last_page}")
    sampler.phase = "csv"
    csv = download_csv(staff, f"{base}/sends/{send_id}/deliveries.csv", sampler)
    sampler.stop()
    return {
        "answer_ms": answer_ms,
        "status": body["status"],
        "counts": body["counts"],
        "send_seconds": send_seconds,
        "samples": len(sampler.samples),
        "page_ms": page_ms,
        "last_page_ms": last_page_ms,
        "csv": csv,
        "web": sampler.summary("web", min(SETTLED_MARK, recipients)),
        "worker": sampler.summary("worker", min(SETTLED_MARK, recipients)),
    }


def signed_in(base: str):
    """A session signed in through the sign-in page, as the staff member would."""
    import requests

    staff = requests.Session()
    staff.get(f"{base}/accounts/login/", timeout=30).raise_for_status()
    answer = staff.post(
        f"{base}/accounts/login/",
        data={
            "csrfmiddlewaretoken": staff.cookies["csrftoken"],
            "username": EMAIL,
            "password": PASSWORD,
        },
        allow_redirects=False,
        timeout=30,
    )
    if answer.status_code != 302:
        raise SystemExit(f"bench.memory: sign-in answered {answer.status_code}")
    return staff


def timed_get(session, url: str) -> float:
    started = time.perf_counter()
    answer = session.get(url, timeout=120, allow_redirects=False)
    if answer.status_code != 200:
        raise SystemExit(f"bench.memory: {url} answered {answer.status_code}")
    return (time.perf_counter() - started) * 1000


def download_csv(session, url: str, sampler: Sampler) -> dict:
    """Read the CSV as it streams, counting its rows, while the sampler watches web."""
    web_before = sampler.samples[-1].web
    started = time.perf_counter()
    rows, contacts = 0, set()
    with session.get(url, stream=True, timeout=300) as answer:
        if answer.status_code != 200:
            raise SystemExit(f"bench.memory: the CSV answered {answer.status_code}")
        lines = answer.iter_lines(decode_unicode=True)
        next(lines)  # the header
        for line in lines:
            rows += 1
            contacts.add(line.split(",", 1)[0])
    seconds = time.perf_counter() - started
    sampler.sample()
    during = [s.web for s in sampler.samples if s.phase == "csv"]
    return {
        "rows": rows,
        "distinct": len(contacts),
        "seconds": seconds,
        "web_before": web_before,
        "web_peak": max(during),
    }


if __name__ == "__main__":
    main()
