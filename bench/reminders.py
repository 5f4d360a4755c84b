"""10,000 secure reminders due in the same minute, through the scheduler and ONE worker,
against the raw twilio SDK loop.

Side by side in one run, against the same Twilio stand-in (bench/standin_server.py):
the raw SDK rate (bench/drain.py's loop, before and after) and Hushpost's
rate: an organization with 10,000 appointments starting in an hour and a
secure text auto message "60 minutes before the start", so every reminder is
due now; then one `hushpost scheduler` and one `hushpost worker` process run
until every reminder is settled. The rate counts from the first reminder
settled to the last (start-up is not counted), and the order is checked: the
deliveries were created in due order. The ratio (Hushpost / raw) is printed
last; the target is 0.5 or more (issue 14).

    python -m bench.reminders [--count 10000] [--postgres postgresql://…/db]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

from bench.clinic import secure_clinic
from bench.drain import HUSHPOST, ROOT, SDK_COUNT, raw_rate, reset, run_pass, start_standin, stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--postgres", metavar="URL", help="also run on this PostgreSQL database")
    parser.add_argument(
        "--no-sqlite", action="store_true", help="only the PostgreSQL pass (with --postgres)"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    if args.child:
        return child(json.loads(args.child), args.count, args.workers)
    process, standin = start_standin()
    try:
        data_dir = tempfile.mkdtemp(prefix="hushpost-reminders-")
        databases = [] if args.no_sqlite else [("sqlite", f"sqlite:///{data_dir}/bench.sqlite3")]
        if args.postgres:
            databases.append(("postgresql", args.postgres))
        print(f"{args.count:,} secure reminders due now; raw loop {SDK_COUNT:,} texts", flush=True)
        ratios = []
        for name, url in databases:
            before = raw_rate(standin)
            result = run_pass(standin, url, args.count, args.workers, module="bench.reminders")
            after = raw_rate(standin)
            raw = (before + after) / 2
            ratio = result["rate"] / raw
            ratios.append((name, ratio))
            print(
                f"{name}: raw twilio SDK loop {raw:.0f}/s ({before:.0f}, {after:.0f}); "
                f"scheduler + 1 worker {result['rate']:.0f}/s; "
                f"{result['distinct']:,} distinct at the stand-in, "
                f"{result['duplicates']} duplicates, {result['lost']} lost; "
                f"in due order: {result['in_order']}; ratio {ratio:.2f}",
                flush=True,
            )
        print("ratio (hushpost / raw SDK): " + ", ".join(f"{n} {r:.2f}" for n, r in ratios))
    finally:
        assert process.stdin is not None
        process.stdin.close()
        process.wait(timeout=10)


def child(standin: dict, count: int, workers: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hushpost.settings")
    os.environ["HUSHPOST_LOG_LEVEL"] = "WARNING"
    import django

    django.setup()
    from django.core.management import call_command

    from hushpost.appointments.models import DueSend
    from hushpost.delivery.models import Delivery, DeliveryStatus

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    build(count)
    env = dict(
        os.environ,
        TWILIO_ACCOUNT_SID=standin["account_sid"],
        TWILIO_AUTH_TOKEN=standin["auth_token"],
        TWILIO_FROM_NUMBER=standin["from_number"],
        TWILIO_API_BASE_URL=standin["url"],
    )
    logs = Path(tempfile.mkdtemp(prefix="hushpost-reminders-logs-"))
    # `hushpost scheduler` takes no options; the management command takes --interval.
    commands = [[str(HUSHPOST), "manage", "scheduler", "--interval", "0.5"]] + [
        [str(HUSHPOST), "worker", "--interval", "0.1"]
    ] * workers
    procs = [
        subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=(logs / f"{i}.log").open("ab"),
            stderr=subprocess.STDOUT,
        )
        for i, command in enumerate(commands)
    ]
    done = (DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.HELD)
    first = None
    try:
        deadline = time.monotonic() + 3600
        while time.monotonic() < deadline:
            settled = Delivery.objects.filter(status__in=done).count()
            now = time.perf_counter()
            if settled and first is None:
                first = (now, settled)
            if settled >= count:
                break
            for i, process in enumerate(procs):
                if process.poll() is not None:
                    # A process that stopped would leave the loop waiting for the hour.
                    tail = (logs / f"{i}.log").read_text(errors="replace")[-2000:]
                    raise SystemExit(f"bench.reminders: {commands[i][1]} stopped:\n{tail}")
            time.sleep(0.2)
        else:
            raise SystemExit("bench.reminders: not every reminder went out within an hour")
    finally:
        for process in procs:
            process.terminate()
            process.wait(timeout=30)
    assert first is not None
    rate = (count - first[1]) / max(now - first[0], 1e-9)
    due_order = list(
        DueSend.objects.order_by("delivery__created_at", "delivery_id").values_list(
            "due_at", flat=True
        )
    )
    seen = stats(standin)
    reset(standin)
    call_command("flush", interactive=False, verbosity=0)
    print(
        json.dumps(
            {
                "rate": rate,
                "distinct": seen["distinct"],
                "duplicates": seen["messages"] - seen["distinct"],
                "lost": count - seen["distinct"],
                "in_order": due_order == sorted(due_order),
            }
        )
    )


def build(count: int) -> None:
    """An organization whose `count` appointments all start in an hour, with a secure
    text reminder 60 minutes before: every reminder is due now (spread over a minute)."""
    from datetime import timedelta

    from django.utils import timezone

    from hushpost.appointments.models import Appointment, AutoMessage, Timing
    from hushpost.appointments.schedule import sync_auto_message

    org, contacts = secure_clinic(count)
    now = timezone.now()
    Appointment.objects.bulk_create(
        [
            Appointment(
                organization=org,
                contact=contact,
                # Due over the last minute, in order: the i-th at now - 60 s + i·(60 s / count).
                start=now + timedelta(minutes=60, seconds=-59 + 60 * i / count),
                end=now + timedelta(minutes=90),
                title="Visit",
                created_at=now - timedelta(days=1),
            )
            for i, contact in enumerate(contacts)
        ],
        batch_size=2000,
    )
    auto = AutoMessage.objects.create(
        organization=org,
        channel="sms",
        timing=Timing.BEFORE_START,
        offset_minutes=60,
        secure=True,
        body="Your visit is at {{ appointment.start_time }}.",
    )
    sync_auto_message(auto)


if __name__ == "__main__":
    main()
