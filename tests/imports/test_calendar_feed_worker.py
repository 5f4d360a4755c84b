"""The whole way round with the real task backend: the scheduler step queues a feed's poll, the
worker fetches the calendar and imports it, and the next step waits for the feed's next slot."""

from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from hushpost.appointments.models import Appointment
from hushpost.imports.feed_polling import interval
from hushpost.imports.feeds import create_feed
from hushpost.imports.models import CalendarFeed
from hushpost.scheduler.steps import tick
from tests.feed_server import vcalendar, vevent
from tests.worker_run import run_worker

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_scheduler_queues_the_poll_and_the_worker_imports_the_calendar(org_a, feed_server):
    start = (timezone.now() + timedelta(days=2)).astimezone(UTC).replace(microsecond=0)
    feed_server.serve(vcalendar(vevent("evt-1", start)))
    feed = create_feed(org_a, url=feed_server.url, name="Front desk")

    tick()
    feed.refresh_from_db()
    assert feed.next_poll_at > timezone.now()
    assert feed_server.requests == []  # queued, not fetched by the scheduler itself

    run_worker()
    feed.refresh_from_db()
    assert feed.last_outcome == "imported" and feed.last_run.status == "done"
    assert Appointment.objects.get(external_id="evt-1").start == start
    assert feed.known_uids == ["evt-1"] and feed.etag

    tick()  # not due again before its slot
    run_worker()
    assert len(feed_server.requests) == 1
    CalendarFeed.objects.filter(pk=feed.pk).update(next_poll_at=timezone.now())
    tick()
    run_worker()
    feed.refresh_from_db()
    assert len(feed_server.requests) == 2 and feed.last_outcome == "not_modified"
    # Its next slot, within one interval.
    assert timezone.now() < feed.next_poll_at <= timezone.now() + interval()
