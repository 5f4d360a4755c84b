"""Calendar feeds polled from a local HTTP server: what a poll adds, moves and cancels, what it
leaves alone (304, errors, HTML pages, history), the slots that spread polls, the owners' email."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from hushpost.appointments.models import (
    Appointment,
    AppointmentStatus,
    AutoMessage,
    DueSend,
    DueSendStatus,
    RecurringSeries,
)
from hushpost.appointments.schedule import send_due
from hushpost.delivery.models import Delivery
from hushpost.imports.feed_polling import next_slot, poll_due_feeds, poll_feed
from hushpost.imports.feeds import create_feed
from hushpost.imports.models import CalendarFeed, FeedOutcome, ImportRun
from hushpost.imports.pipeline import run_now
from tests.feed_server import Answer, vcalendar, vevent

pytestmark = pytest.mark.django_db


@pytest.fixture
def server(feed_server):
    return feed_server


@pytest.fixture
def feed(org_a, alice, server):
    return create_feed(org_a, url=server.url, name="Front desk", actor=alice)


def soon(days: int, hour: int = 15) -> datetime:
    """A time `days` from today (negative: in the past), on the hour, in UTC."""
    today = timezone.now().astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    return today.replace(hour=hour) + timedelta(days=days)


def sync(feed: CalendarFeed):
    """Poll now and settle the import in this process, as the worker would."""
    poll = poll_feed(
        CalendarFeed.objects.select_related("last_run", "organization").get(pk=feed.pk)
    )
    if poll.run is not None:
        poll.run = run_now(poll.run)
    feed.refresh_from_db()
    return poll


def appointment(uid: str) -> Appointment:
    return Appointment.objects.get(external_id=uid)


def test_first_poll_adds_and_a_second_sees_a_moved_event(org_a, feed, server):
    server.serve(
        vcalendar(
            vevent("a1", soon(3)),
            vevent("b2", soon(5), attendee="mailto:sam@example.com", cn="Sam Poe"),
        )
    )
    poll = sync(feed)
    assert poll.outcome == FeedOutcome.IMPORTED
    assert poll.run.status == "done" and poll.run.source == "scheduler"
    assert poll.run.counts["added"] == 2
    assert appointment("a1").start == soon(3)
    assert appointment("a1").contact.name == "Jane Roe"
    assert feed.known_uids == ["a1", "b2"]
    assert feed.etag and feed.last_modified and feed.last_outcome == "imported"
    first_etag = feed.etag

    server.serve(
        vcalendar(
            vevent("a1", soon(4), sequence=1),
            vevent("b2", soon(5), attendee="mailto:sam@example.com", cn="Sam Poe"),
        )
    )
    poll = sync(feed)
    assert poll.run.counts == {
        "added": 0,
        "updated": 1,
        "unchanged": 1,
        "skipped": 0,
        "rejected": 0,
    }
    assert appointment("a1").start == soon(4)
    # The second request was conditional, with what the first answer gave.
    assert server.requests[-1]["if-none-match"] == first_etag


def test_304_and_an_unchanged_calendar_change_nothing(org_a, feed, server):
    server.serve(vcalendar(vevent("a1", soon(3))))
    first = sync(feed).run
    runs = ImportRun.objects.count()

    assert sync(feed).outcome == FeedOutcome.NOT_MODIFIED
    assert server.requests[-1]["if-none-match"] == feed.etag
    assert server.requests[-1]["if-modified-since"] == feed.last_modified

    # A server without validators serving the same calendar again costs no import.
    server.validators = False
    assert sync(feed).outcome == FeedOutcome.UNCHANGED
    assert ImportRun.objects.count() == runs
    assert feed.last_run_id == first.pk


@pytest.mark.parametrize(
    "answer",
    [
        Answer(500, b"Internal Server Error", "text/plain"),
        Answer(200, b"<!DOCTYPE html><html><body>Sign in to Google</body></html>"),
        Answer(200, b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n", "text/calendar"),
        Answer(404, b"Not found"),
    ],
    ids=["500", "html", "empty-calendar", "404"],
)
def test_an_answer_that_is_not_a_calendar_touches_nothing(org_a, feed, server, answer):
    server.serve(vcalendar(vevent("a1", soon(3)), vevent("b2", soon(4))))
    sync(feed)
    stored = list(Appointment.objects.values_list("external_id", "start", "status"))
    known, etag = feed.known_uids, feed.etag

    server.answers.append(answer)
    poll = sync(feed)
    assert poll.outcome in (FeedOutcome.FAILED, FeedOutcome.REFUSED)
    assert poll.reason
    assert list(Appointment.objects.values_list("external_id", "start", "status")) == stored
    assert (feed.known_uids, feed.etag) == (known, etag)
    assert feed.failing_since is not None and feed.last_error

    # The next good poll clears the failure.
    assert sync(feed).outcome == FeedOutcome.NOT_MODIFIED
    assert feed.failing_since is None and feed.last_error == ""


def test_a_removed_event_cancels_its_future_appointment_and_its_reminders_never_a_past_one(
    org_a, feed, server
):
    AutoMessage.objects.create(
        organization=org_a,
        channel="sms",
        timing="before_start",
        offset_minutes=60,
        body="Reminder: {{ appointment.title }}",
    )
    server.serve(
        vcalendar(vevent("past", soon(-2)), vevent("future", soon(2)), vevent("stays", soon(3)))
    )
    sync(feed)
    pending = DueSend.objects.filter(
        appointment=appointment("future"), status=DueSendStatus.PENDING
    )
    assert pending.count() == 1

    server.serve(vcalendar(vevent("stays", soon(3))))
    poll = sync(feed)
    assert appointment("future").status == AppointmentStatus.CANCELLED
    assert appointment("past").status == AppointmentStatus.SCHEDULED
    assert appointment("stays").status == AppointmentStatus.SCHEDULED
    assert not DueSend.objects.filter(
        appointment=appointment("future"), status=DueSendStatus.PENDING
    ).exists()
    gone = poll.run.rows.get(uid="future")
    assert gone.outcome == "updated" and "no longer in the calendar" in gone.reason
    assert feed.known_uids == ["stays"]


def test_history_in_a_feed_sends_nothing(org_a, feed, server):
    AutoMessage.objects.create(organization=org_a, channel="sms", timing="booked", body="Booked")
    AutoMessage.objects.create(
        organization=org_a, channel="sms", timing="before_start", offset_minutes=60, body="Soon"
    )
    server.serve(vcalendar(*(vevent(f"old{n}", soon(-30 - n)) for n in range(20))))
    sync(feed)
    assert Appointment.objects.count() == 20
    assert not DueSend.objects.filter(status=DueSendStatus.PENDING).exists()
    send_due()
    assert not Delivery.objects.exists()


def test_an_event_without_contact_is_reported_and_the_description_can_name_one(org_a, feed, server):
    server.serve(
        vcalendar(
            vevent("nobody", soon(2), attendee=""),
            vevent(
                "by-phone",
                soon(3),
                attendee="",
                extra="DESCRIPTION:Patient: Lou Park\\, mobile +1 415 555 0199\r\n",
            ),
            vevent(
                "by-mail", soon(4), attendee="", extra="LOCATION:Room 2 (lou.park@example.org)\r\n"
            ),
        )
    )
    run = sync(feed).run
    nobody = run.rows.get(uid="nobody")
    assert nobody.outcome == "rejected"
    assert "no client" in nobody.reason
    assert appointment("by-phone").contact.phone == "+14155550199"
    assert appointment("by-mail").contact.email == "lou.park@example.org"


def test_the_feed_staff_member_gets_its_appointments(org_a, alice, bob, server):
    feed = create_feed(org_a, url=server.url, name="Bob's calendar", staff_email=bob.email.upper())
    assert feed.staff_email == bob.email
    server.serve(vcalendar(vevent("a1", soon(3))))
    sync(feed)
    assert appointment("a1").staff == bob


def test_a_failing_feed_emails_the_owners_once_after_a_day(org_a, alice, feed, server, settings):
    server.serve(vcalendar(vevent("a1", soon(3))))
    sync(feed)
    start = timezone.now()
    server.answers.extend([Answer(500)] * 4)
    poll_feed(feed, now=start)
    poll_feed(feed, now=start + timedelta(hours=23))
    assert mail.outbox == []
    poll_feed(feed, now=start + timedelta(hours=24, minutes=1))
    poll_feed(feed, now=start + timedelta(hours=30))
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [alice.email]
    assert "Front desk" in message.body and "HTTP 500" in message.body
    assert server.url not in message.body and "7f3a9c" not in message.body


def test_feeds_are_spread_over_the_interval_and_claimed_once(org_a, server, settings):
    settings.HUSHPOST_FEED_INTERVAL_MINUTES = 10
    feeds = [create_feed(org_a, url=f"{server.url}?n={n}", name=f"Feed {n}") for n in range(30)]
    now = timezone.now()
    slots = [next_slot(f.pk, now) for f in feeds]
    assert all(now < slot <= now + timedelta(minutes=10) for slot in slots)
    # Thirty feeds land in many different minutes, not one.
    assert len({slot.replace(second=0) for slot in slots}) >= 6
    # Each keeps its slot: ten minutes later it is due again exactly one interval on.
    assert all(
        next_slot(f.pk, s) == s + timedelta(minutes=10) for f, s in zip(feeds, slots, strict=True)
    )

    assert poll_due_feeds(now) == 30  # new feeds are due at once
    assert poll_due_feeds(now) == 0
    assert all(f.next_poll_at == next_slot(f.pk, now) for f in CalendarFeed.objects.all())


def test_a_poll_while_the_last_calendar_is_being_imported_waits(org_a, feed, server):
    server.serve(vcalendar(vevent("a1", soon(3))))
    first = poll_feed(feed)
    assert first.run.status == "queued"
    assert poll_feed(feed).outcome == "busy"
    assert len(server.requests) == 1


def test_ssrf_a_feed_that_resolves_to_a_private_address_is_refused(org_a, server, settings, dns):
    from hushpost.imports.feeds import FeedInvalid

    settings.HUSHPOST_FEEDS_ALLOW_PRIVATE = False
    dns["calendar.evil.example"] = ["169.254.169.254"]
    with pytest.raises(FeedInvalid) as refused:
        create_feed(org_a, url="webcal://calendar.evil.example/basic.ics", name="x")
    assert "link-local" in refused.value.problems["url"][0]
    with pytest.raises(FeedInvalid):
        create_feed(org_a, url=server.url, name="loopback")

    # One saved while allowed, then polled when not: refused at the fetch, nothing stored.
    settings.HUSHPOST_FEEDS_ALLOW_PRIVATE = True
    feed = create_feed(org_a, url=server.url, name="Front desk")
    settings.HUSHPOST_FEEDS_ALLOW_PRIVATE = False
    server.serve(vcalendar(vevent("a1", soon(3))))
    poll = sync(feed)
    assert poll.outcome == FeedOutcome.FAILED and "loopback" in poll.reason
    assert server.requests == [] and not Appointment.objects.exists()


def test_a_redirect_is_followed_through_the_guard(org_a, feed, server):
    server.serve(vcalendar(vevent("a1", soon(3))))
    server.answers.append(Answer(302, headers={"Location": "/elsewhere/basic.ics"}))
    assert sync(feed).outcome == FeedOutcome.IMPORTED
    assert appointment("a1").start == soon(3)

    # Each hop is checked again: here a host that doesn't resolve.
    server.answers.append(Answer(301, headers={"Location": "https://nowhere.example/x.ics"}))
    poll = sync(feed)
    assert (
        poll.outcome == FeedOutcome.FAILED and "nowhere.example could not be found" in poll.reason
    )


def test_a_5000_event_feed_polls_within_the_interval(org_a, feed, server, settings):
    settings.HUSHPOST_FEED_INTERVAL_MINUTES = 10
    events = [
        vevent(
            f"e{n}",
            soon(1 + n % 300, hour=8 + n % 10),
            attendee=f"mailto:client{n % 900}@example.com",
            cn=f"Client {n % 900}",
        )
        for n in range(5000)
    ]
    server.serve(vcalendar(*events))
    started = time.monotonic()
    poll = sync(feed)
    first = time.monotonic() - started
    assert poll.run.status == "done"
    assert poll.run.counts["added"] == 5000
    assert first < 10 * 60
    # The next poll of the same calendar is a 304.
    started = time.monotonic()
    assert sync(feed).outcome == FeedOutcome.NOT_MODIFIED
    assert time.monotonic() - started < 5


def test_a_weekly_series_is_expanded_and_when_it_goes_only_what_is_to_come_is_cancelled(
    org_a, feed, server
):
    # Six sessions, weekly: two already held, four to come.
    base = timezone.now().astimezone(UTC).replace(second=0, microsecond=0) + timedelta(hours=1)
    first = base - timedelta(days=14)
    series = vevent("weekly", first, extra="RRULE:FREQ=WEEKLY;COUNT=6\r\n")
    server.serve(vcalendar(series, vevent("other", soon(1))))
    sync(feed)
    # Expanded from now over the horizon: the two held are history, not stored.
    stored = Appointment.objects.filter(external_id__startswith="weekly/").order_by("start")
    assert [a.start for a in stored] == [base + timedelta(days=7 * n) for n in range(4)]
    assert RecurringSeries.objects.filter(uid="weekly").exists()
    # One of them is under way when the series goes: it has started, so it stays.
    started = stored[0]
    Appointment.objects.filter(pk=started.pk).update(start=timezone.now() - timedelta(minutes=5))

    server.serve(vcalendar(vevent("other", soon(1))))
    poll = sync(feed)
    statuses = [a.status for a in stored.all()]
    assert statuses == [AppointmentStatus.SCHEDULED] + [AppointmentStatus.CANCELLED] * 3
    assert not RecurringSeries.objects.filter(uid="weekly").exists()
    assert poll.run.counts["updated"] == 3
    assert appointment("other").status == AppointmentStatus.SCHEDULED


def test_a_windows_1252_feed_is_read_as_such(org_a, feed, server):
    server.serve(
        vcalendar(vevent("a1", soon(2), cn="Åsa Åström", attendee="mailto:asa@example.se")).encode(
            "cp1252"
        )
    )
    run = sync(feed).run
    assert run.encoding.lower() in ("windows-1252", "cp1252")
    assert appointment("a1").contact.name == "Åsa Åström"
