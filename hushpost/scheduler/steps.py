"""The scheduler loop: periodic chores that rows, not timers, keep track of.

Each step is a plain function returning how much work it found, so tests call
them directly and the loop stays trivial.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from hushpost.appointments.schedule import send_due
from hushpost.appointments.series import extend_open_series
from hushpost.delivery.reconcile import reconcile_deliveries
from hushpost.delivery.sweep import settle_lapsed_claims
from hushpost.imports.feed_polling import poll_due_feeds
from hushpost.imports.pipeline import drop_abandoned_uploads, resume_stale_runs
from hushpost.messaging.fan_out import resume_stale_fan_outs
from hushpost.messaging.link_visits import settle_unfollowed_visits
from hushpost.messaging.retention import purge_daily
from hushpost.webhooks.retention import drop_finished_messages

logger = logging.getLogger(__name__)

STEPS: list[tuple[str, Callable[[], int]]] = [
    ("send due auto messages", send_due),
    ("resume stale imports", resume_stale_runs),
    ("resume stale send fan-outs", resume_stale_fan_outs),
    # Open-ended calendar series get their occurrences as the horizon moves on.
    ("extend recurring series", extend_open_series),
    ("drop abandoned import uploads", drop_abandoned_uploads),
    # Each feed in its own slot of HUSHPOST_FEED_INTERVAL_MINUTES, polled by a task.
    ("poll calendar feeds", poll_due_feeds),
    ("settle lapsed claims", settle_lapsed_claims),
    ("reconcile ambiguous deliveries", reconcile_deliveries),
    # Once a day, and only when HUSHPOST_RETENTION_DAYS is set.
    ("purge data past retention", purge_daily),
    ("drop finished webhook messages", drop_finished_messages),
    # Link visits no post followed: a scanner's after all (messaging/link_visits.py).
    ("settle link visits", settle_unfollowed_visits),
]


def tick() -> int:
    """Run every step once; return how many things were done."""
    done = 0
    for name, step in STEPS:
        try:
            count = step()
        except Exception:
            # One failing step must not stop the others or the loop.
            logger.exception("scheduler step failed: %s", name)
            continue
        if count:
            logger.info("scheduler: %s: %d", name, count)
        done += count
    return done
