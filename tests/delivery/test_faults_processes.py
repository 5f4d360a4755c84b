"""Faults with real processes: `hushpost worker` subprocesses, a real SMTP
server, the Twilio stand-in over HTTP.

Each test queues a batch, lets real workers send it through a fault, and
counts from the provider's side what arrived: every delivery exactly once —
no duplicates, none lost, nothing left queued or sending. Where the test
needs time to pass (a backoff, a lease, reconciliation's wait), it moves the
rows' timestamps back instead of sleeping; the policies themselves are
checked in test_retry_policy.py, test_sweep.py and test_reconcile.py.

PostgreSQL-only scenarios (several workers on 2,000 deliveries, a dropped
database connection) run in the PostgreSQL pass.
"""

from __future__ import annotations

import collections
import datetime
import email
import signal
import sqlite3
import threading
import time

import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone

from hushpost.delivery import reconcile
from hushpost.delivery.channels.email import message_id
from hushpost.delivery.lifecycle import LEASE
from hushpost.delivery.models import Delivery, DeliveryStatus
from hushpost.scheduler import steps as scheduler
from tests.conftest import _Collector, free_port
from tests.reliability import (
    TcpProxy,
    database_url,
    queue_emails,
    queue_texts,
    report,
    settled,
    start_worker,
    stop_worker,
    tally,
    wait_until,
    worker_env,
)
from tests.twilio_standin import Reply

pytestmark = pytest.mark.django_db(transaction=True)

# Far enough back that a lapsed lease is past and Twilio's list is authoritative.
AGE = LEASE + reconcile.AUTHORITATIVE_AFTER + datetime.timedelta(minutes=1)


@pytest.fixture
def workers(tmp_path):
    """Start `hushpost worker` processes; all are stopped (or reaped) at the end."""
    started = []

    def start(env, count=1):
        procs = [
            start_worker(env, tmp_path / f"worker-{len(started) + i}.log") for i in range(count)
        ]
        started.extend(procs)
        return procs

    yield start
    for process in started:
        stop_worker(process)
    for log in sorted(tmp_path.glob("worker-*.log")):
        # Shown by pytest when the test failed: what the workers said besides their per-task lines.
        lines = [
            line for line in log.read_text(errors="replace").splitlines() if "state=" not in line
        ]
        print(f"--- {log.name}", *lines[-40:], sep="\n")


def skip_waits(ids) -> None:
    """Time passes: every backoff or Retry-After wait is over (their
    lengths are asserted before)."""
    now = timezone.now()
    Delivery.objects.filter(
        pk__in=ids, status=DeliveryStatus.QUEUED, next_attempt_at__gt=now
    ).update(next_attempt_at=now)


def age_unsettled(ids) -> None:
    """Time passes for what a dead worker left: its leases lapse, queued ones become overdue."""
    Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.SENDING).update(
        lease_expires_at=F("lease_expires_at") - AGE
    )
    Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.QUEUED).update(
        next_attempt_at=F("next_attempt_at") - AGE
    )


def quiet_rows(ids, since: datetime.datetime | None = None) -> list[Delivery] | None:
    """The deliveries when none is being sent and none is queued and due (what's left
    waits for a backoff), else None.

    Read in ONE query, so the answer and the rows are one snapshot: read in two, a
    worker could claim the due ones between the reads (or a short jittered backoff end
    and its retry start) and the rows checked afterwards would not be what was judged.
    With `since`: claims older than it belong to a dead worker and don't count.
    """
    now = timezone.now()
    rows = list(Delivery.objects.filter(pk__in=ids))
    for d in rows:
        if d.status == DeliveryStatus.SENDING and (
            since is None or (d.lease_expires_at is not None and d.lease_expires_at > since + LEASE)
        ):
            return None
        if d.status == DeliveryStatus.QUEUED and d.next_attempt_at <= now:
            return None
    return rows


def quiet(ids, since: datetime.datetime | None = None) -> bool:
    return quiet_rows(ids, since) is not None


def bodies(standin) -> list[str]:
    return [m["body"] for m in standin.sent]


# --- a. SMTP down, then back -----------------------------------------------


def test_smtp_down_then_back_every_email_arrives_once(jane, workers):
    from aiosmtpd.controller import Controller

    port = free_port()  # nothing listens there yet: "connection refused"
    ids = queue_emails(jane, 30)
    workers(worker_env(smtp_port=port), 2)
    started = time.monotonic()
    seen: list[Delivery] = []

    def tried_once() -> bool:
        seen[:] = quiet_rows(ids) or []
        return bool(seen)

    wait_until(tried_once, 120, "every email to have been tried")
    tried = list(seen)  # the rows judged quiet, not a later read
    assert len(tried) == 30
    assert all(d.status == DeliveryStatus.QUEUED and d.attempts >= 1 for d in tried)
    for d in tried:
        row = d.attempt_log[-1]
        assert "could not connect to the mail server" in row["error"]
        assert (
            datetime.datetime.fromisoformat(row["retry_at"]) == d.next_attempt_at
        )  # backed off, not hammering
    collector = _Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        skip_waits(ids)
        wait_until(lambda: settled(ids), 120, "every email to be sent")
        result = tally(
            ids,
            [email.message_from_bytes(e.content)["Message-ID"] for e in collector.messages],
            key=lambda d: message_id(str(d.pk)),
        )
    finally:
        controller.stop()
    report("SMTP down, then back (30 emails, 2 workers)", result, time.monotonic() - started)
    assert (result.sent, result.duplicates, result.lost, result.stuck) == (30, 0, 0, 0)
    assert result.exact


# --- b. Twilio answering 500, 503 and 429 ----------------------------------


def test_twilio_errors_then_service_every_text_once_with_retry_after_honoured(
    jane, twilio_standin, workers
):
    twilio_standin.script(
        *[
            Reply(
                429,
                {"code": 20429, "message": "Too Many Requests", "status": 429},
                headers={"Retry-After": "120"},
            )
        ]
        * 8,
        *[Reply(503)] * 6,
        *[Reply(500)] * 4,
        *[Reply(500, creates=True)] * 2,
    )
    ids = queue_texts(jane, 40)
    workers(worker_env(twilio=twilio_standin))
    started = time.monotonic()
    wait_until(lambda: quiet(ids), 120, "the first round of attempts")
    rows = [
        (d, row)
        for d in Delivery.objects.filter(pk__in=ids)
        for row in d.attempt_log
        if "error" in row
    ]
    limited = [(d, row) for d, row in rows if "rate limiting" in row["error"]]
    assert len(limited) == 8
    for _, row in limited:
        # Retry-After: 120 is a floor; jitter may add to it, never take from it.
        wait = datetime.datetime.fromisoformat(row["retry_at"]) - datetime.datetime.fromisoformat(
            row["at"]
        )
        assert wait >= datetime.timedelta(seconds=120)
    assert sum("unavailable (503)" in row["error"] for _, row in rows) == 6
    # A 500 may hide an accepted message: never retried blindly.
    ambiguous = Delivery.objects.filter(pk__in=ids, error_code="ambiguous")
    assert ambiguous.count() == 6
    skip_waits(ids)
    wait_until(
        lambda: (
            quiet(ids)
            and not Delivery.objects.filter(pk__in=ids, status=DeliveryStatus.QUEUED).exists()
        ),
        60,
        "the retries",
    )
    outcomes = reconcile.reconcile(now=timezone.now() + AGE)
    assert outcomes == {"found": 2, "not_found": 4}
    wait_until(lambda: settled(ids), 120, "the re-queued texts")
    result = tally(ids, bodies(twilio_standin))
    report("Twilio 429/503/500 for 20 requests (40 texts)", result, time.monotonic() - started)
    assert (result.sent, result.duplicates, result.lost, result.stuck) == (40, 0, 0, 0)
    assert result.exact


# --- c. A worker killed in the middle of a batch ---------------------------


def test_a_worker_killed_mid_batch_loses_and_duplicates_nothing(jane, twilio_standin, workers):
    twilio_standin.latency = 0.01  # slow enough that the kill lands mid-batch
    ids = queue_texts(jane, 500)
    env = worker_env(twilio=twilio_standin)
    [first] = workers(env)
    started = time.monotonic()
    wait_until(
        lambda: len(twilio_standin.messages) >= 120,
        120,
        "the first worker to be well into the batch",
    )
    first.send_signal(signal.SIGKILL)
    first.wait()
    killed_at = timezone.now()
    at_kill = len(twilio_standin.messages)
    assert 120 <= at_kill < 500
    workers(env)
    # The new worker drains every delivery still queued; the killed one's claims keep their lease.
    wait_until(lambda: quiet(ids, since=killed_at), 150, "the second worker to drain the queue")
    age_unsettled(ids)
    scheduler.tick()  # sweep: lapsed claims → ambiguous; reconcile queues what Twilio lacks
    wait_until(lambda: settled(ids), 120, "what the sweep and reconciliation queued again")
    result = tally(ids, bodies(twilio_standin))
    report("worker SIGKILLed mid-batch (500 texts)", result, time.monotonic() - started)
    assert (result.sent, result.duplicates, result.lost, result.stuck) == (500, 0, 0, 0)
    assert result.exact


# --- d. Several workers sharing a big batch (PostgreSQL) -------------------


def test_a_worker_stopped_with_sigterm_records_what_is_on_the_wire_first(
    jane, twilio_standin, workers
):
    """A stop (a deploy, a scale-down) is not a crash: every text the worker put on the
    wire is recorded as sent before it exits, so nothing is left `sending` for the sweep
    to call ambiguous, and what it never took stays queued for the next worker."""
    twilio_standin.latency = 0.05  # each batch is still on the wire when the signal lands
    ids = queue_texts(jane, 300, prefix="term")
    env = worker_env(twilio=twilio_standin)
    [first] = workers(env)
    wait_until(lambda: len(twilio_standin.messages) >= 40, 120, "the worker to be sending")
    first.send_signal(signal.SIGTERM)
    assert first.wait(timeout=60) == 0  # a clean stop, in time for a supervisor's grace period
    stopped = {d.pk: d for d in Delivery.objects.filter(pk__in=ids)}
    at_stop = len(twilio_standin.messages)
    assert 40 <= at_stop < 300
    statuses = collections.Counter(d.status for d in stopped.values())
    assert statuses[DeliveryStatus.SENDING] == 0, statuses
    assert statuses[DeliveryStatus.SENT] == at_stop, statuses  # all it sent, recorded
    assert statuses[DeliveryStatus.QUEUED] == 300 - at_stop, statuses
    # The next worker takes the rest; each text once.
    workers(env)
    wait_until(lambda: settled(ids), 120, "the next worker to send the rest")
    result = tally(ids, bodies(twilio_standin))
    assert (result.sent, result.duplicates, result.lost, result.stuck) == (300, 0, 0, 0)


@pytest.mark.parametrize("count", [2, 4])
def test_several_workers_share_2000_deliveries_without_sending_one_twice(
    postgres_only, jane, twilio_standin, workers, count
):
    ids = queue_texts(jane, 2000, prefix=f"many{count}")
    workers(worker_env(twilio=twilio_standin), count)
    started = time.monotonic()
    wait_until(lambda: settled(ids), 300, f"{count} workers to send 2,000")
    result = tally(ids, bodies(twilio_standin))
    report(f"{count} workers share 2,000 texts", result, time.monotonic() - started)
    assert (result.sent, result.duplicates, result.lost, result.stuck) == (2000, 0, 0, 0)
    # Every worker took part (a lock that serialized them all would still pass the count).
    claimants = Delivery.objects.filter(pk__in=ids).values("claimed_by").distinct().count()
    assert claimants >= count


# --- e. The database unavailable for a moment ------------------------------


def test_workers_ride_out_a_dropped_database_connection(
    postgres_only, jane, twilio_standin, workers, tmp_path
):
    conf = connection.settings_dict
    proxy = TcpProxy((conf["HOST"] or "127.0.0.1", int(conf["PORT"] or 5432)))
    try:
        twilio_standin.latency = 0.01
        ids = queue_texts(jane, 300)
        procs = workers(
            worker_env(twilio=twilio_standin, db_url=database_url("127.0.0.1", proxy.port)), 2
        )
        started = time.monotonic()
        wait_until(lambda: len(twilio_standin.messages) >= 60, 120, "the workers to be sending")
        proxy.outage(3.0)
        back = timezone.now()
        wait_until(
            lambda: quiet(ids, since=back), 150, "the workers to come back and drain the queue"
        )
        assert all(p.poll() is None for p in procs), "a worker exited instead of reconnecting"
        logs = "".join(log.read_text(errors="replace") for log in tmp_path.glob("worker-*.log"))
        assert (
            "database unavailable" in logs and "reconnecting in" in logs
        )  # the outage did hit them
        age_unsettled(ids)
        scheduler.tick()
        wait_until(lambda: settled(ids), 120, "what the outage left to be settled")
        result = tally(ids, bodies(twilio_standin))
    finally:
        proxy.close()
    report(
        "database connections dropped, 3 s refused (300 texts, 2 workers)",
        result,
        time.monotonic() - started,
    )
    assert (result.sent, result.duplicates, result.lost, result.stuck) == (300, 0, 0, 0)


def test_workers_wait_out_a_locked_sqlite_database(jane, twilio_standin, workers):
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only: the PostgreSQL pass drops the connection instead")
    twilio_standin.latency = 0.005
    ids = queue_texts(jane, 200)
    procs = workers(worker_env(twilio=twilio_standin), 2)
    started = time.monotonic()
    wait_until(lambda: len(twilio_standin.messages) >= 40, 120, "the workers to be sending")
    held = threading.Event()

    def hold_the_lock():
        raw = sqlite3.connect(connection.settings_dict["NAME"], timeout=20, isolation_level=None)
        raw.execute("BEGIN EXCLUSIVE")
        held.set()
        time.sleep(3)
        raw.execute("COMMIT")
        raw.close()

    locker = threading.Thread(target=hold_the_lock)
    locker.start()
    held.wait(20)
    during = len(twilio_standin.messages)
    locker.join()
    wait_until(lambda: settled(ids), 120, "the workers to finish after the lock")
    assert all(p.poll() is None for p in procs)
    assert during < 200  # the lock landed mid-batch
    result = tally(ids, bodies(twilio_standin))
    report("database locked 3 s (200 texts, 2 workers)", result, time.monotonic() - started)
    assert (result.sent, result.duplicates, result.lost, result.stuck) == (200, 0, 0, 0)


def test_a_bad_poll_interval_is_one_clear_error(capsys):
    from hushpost.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["worker", "--interval", "-1"])
    assert exit_.value.code == 2
    assert (
        capsys.readouterr().err.splitlines()[-1]
        == "hushpost worker: error: argument --interval: must be zero or more seconds"
    )
