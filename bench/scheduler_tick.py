"""Does one scheduler tick cost more when more appointments lie ahead?

Builds two organizations side by side in one fresh SQLite database: one with
1,000 future appointments and one with 10,000, each with 3 auto messages
(30,000 due sends), then measures a tick that finds nothing due and a tick
that sends a batch of 50, in each. It prints the ratios (10k / 1k) of wall
time and of SQL queries per tick; a flat cost gives ratios near 1.

    HUSHPOST_DATA_DIR=$(mktemp -d) python -m bench.scheduler_tick
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta

os.environ.setdefault("HUSHPOST_DATA_DIR", tempfile.mkdtemp(prefix="hushpost-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hushpost.settings")
os.environ.setdefault("HUSHPOST_LOG_LEVEL", "WARNING")

import django

django.setup()

import time_machine  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from hushpost.accounts.models import Organization  # noqa: E402
from hushpost.appointments.models import Appointment, AutoMessage, DueSend, Timing  # noqa: E402
from hushpost.appointments.schedule import send_due, sync_auto_message  # noqa: E402
from hushpost.contacts.models import Contact  # noqa: E402

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
REPEATS = 7


def build(slug: str, appointments: int) -> Organization:
    org = Organization.objects.create(
        name=slug, company_name=slug, slug=slug, time_zone="America/New_York"
    )
    contacts = Contact.objects.bulk_create(
        [
            Contact(organization=org, name=f"Contact {i}", phone=f"+1415{i % 10_000_000:07d}")
            for i in range(appointments)
        ]
    )
    # Appointments spread over the next 90 days; the first 50 are due right now.
    rows = []
    for i, contact in enumerate(contacts):
        start = (
            NOW + timedelta(minutes=61)
            if i < 50
            else NOW + timedelta(days=2, minutes=(i * 13) % (88 * 24 * 60))
        )
        rows.append(
            Appointment(
                organization=org,
                contact=contact,
                start=start,
                end=start + timedelta(minutes=30),
                title="Visit",
                created_at=NOW - timedelta(days=1),
            )
        )
    Appointment.objects.bulk_create(rows, batch_size=2000)
    for timing, minutes in (
        (Timing.BEFORE_START, 60),
        (Timing.BEFORE_START, 24 * 60),
        (Timing.AFTER_END, 60),
    ):
        auto = AutoMessage.objects.create(
            organization=org,
            channel="sms",
            timing=timing,
            offset_minutes=minutes,
            body="Reminder for {{ appointment.start_time }}",
        )
        with time_machine.travel(NOW, tick=False):
            sync_auto_message(auto)
    return org


def measure(org: Organization, *, due: bool) -> tuple[float, int]:
    """Median seconds and queries of one tick for this organization alone."""
    times, queries = [], []
    others = list(
        DueSend.objects.exclude(organization=org)
        .filter(status="pending")
        .values_list("pk", flat=True)
    )
    # Park the other organization's rows so each tick sees only this one's.
    DueSend.objects.filter(pk__in=others).update(status="skipped")
    try:
        for _ in range(REPEATS):
            moment = NOW if due else NOW - timedelta(days=30)
            connection.queries_log.clear()  # the log keeps 9,000 entries; counts need a fresh one
            with (
                time_machine.travel(moment, tick=False),
                CaptureQueriesContext(connection) as captured,
            ):
                started = time.perf_counter()
                # One batch of 50 (the tick's first; it would go on while rows are due).
                sent = send_due(batch=50, budget=0)
                times.append(time.perf_counter() - started)
            queries.append(len(captured))
            if due:
                assert sent == 50, sent
                # Put the batch back so every repeat does the same work.
                DueSend.objects.filter(organization=org, status="sent").update(
                    status="pending", send=None, delivery=None, done_at=None
                )
            else:
                assert sent == 0, sent
    finally:
        DueSend.objects.filter(pk__in=others).update(status="pending")
    return statistics.median(times), int(statistics.median(queries))


def main() -> None:
    call_command("migrate", verbosity=0)
    small, large = build("bench-1k", 1_000), build("bench-10k", 10_000)
    print(
        f"due sends: {DueSend.objects.filter(organization=small).count():,} (1k) and "
        f"{DueSend.objects.filter(organization=large).count():,} (10k)"
    )
    for label, due in (("idle tick (nothing due)", False), ("busy tick (50 due, sent)", True)):
        (t_small, q_small), (t_large, q_large) = measure(small, due=due), measure(large, due=due)
        print(
            f"{label}: 1k {t_small * 1000:.1f} ms / {q_small} queries; "
            f"10k {t_large * 1000:.1f} ms / {q_large} queries;"
            f" ratio time {t_large / t_small:.2f}, queries {q_large / q_small:.2f}"
        )


if __name__ == "__main__":
    main()
