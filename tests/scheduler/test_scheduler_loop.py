import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command

from hushpost.scheduler import steps as scheduler

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def test_a_tick_runs_every_step_and_adds_up_what_they_did(monkeypatch):
    monkeypatch.setattr(scheduler, "STEPS", [("a", lambda: 2), ("b", lambda: 0), ("c", lambda: 3)])
    assert scheduler.tick() == 5


def test_a_failing_step_does_not_stop_the_others(monkeypatch, caplog):
    ran = []

    def broken():
        raise RuntimeError("boom")

    monkeypatch.setattr(
        scheduler, "STEPS", [("broken", broken), ("next", lambda: ran.append(1) or 1)]
    )
    assert scheduler.tick() == 1
    assert ran == [1]
    assert "scheduler step failed: broken" in caplog.text


def test_the_real_steps_include_the_import_and_delivery_sweeps():
    names = [name for name, _ in scheduler.STEPS]
    assert names == [
        "send due auto messages",
        "resume stale imports",
        "resume stale send fan-outs",
        "extend recurring series",
        "drop abandoned import uploads",
        "poll calendar feeds",
        "settle lapsed claims",
        "reconcile ambiguous deliveries",
        "purge data past retention",
        "drop finished webhook messages",
        "settle link visits",
    ]


def test_the_command_runs_one_tick_with_once(monkeypatch):
    ran = []
    monkeypatch.setattr(scheduler, "STEPS", [("count", lambda: ran.append(1) or 1)])
    call_command("scheduler", "--once")
    assert ran == [1]


def test_the_scheduler_process_stops_cleanly_on_sigterm(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HUSHPOST_", "DATABASE_URL", "REDIS_URL", "DJANGO_"))
    }
    env["HUSHPOST_DATA_DIR"] = str(tmp_path)
    subprocess.run(
        [sys.executable, "-m", "hushpost.cli", "manage", "migrate", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=120,
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "hushpost.cli", "scheduler"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    # Wait for the loop to say it runs: start-up time varies on a loaded machine.
    first_line = process.stdout.readline()
    assert first_line.startswith("Scheduler running"), first_line
    assert process.poll() is None
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0
    assert time.monotonic() - started < 5
