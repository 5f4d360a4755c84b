"""An owner connects a calendar in a real browser: adds the feed by its secret address (then
shown masked), syncs it now, reads the import's report, changes it and deletes it."""

from datetime import UTC, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from hushpost.appointments.models import Appointment
from hushpost.imports.models import CalendarFeed
from hushpost.imports.pipeline import run_now
from tests.feed_server import vcalendar, vevent

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_owner_adds_a_feed_syncs_it_and_reads_the_report(signed_in_page, feed_server, bob):
    start = (timezone.now() + timedelta(days=3)).astimezone(UTC).replace(microsecond=0)
    feed_server.serve(vcalendar(vevent("evt-1", start), vevent("evt-2", start, attendee="")))
    page = signed_in_page
    page.get_by_role("link", name="Calendar feeds").first.click()
    page.get_by_role("heading", name="Calendar feeds", exact=True).wait_for()
    expect(page.get_by_text("No calendar feeds yet.")).to_be_visible()

    # A bad address is refused at its field.
    page.get_by_label("Name").fill("Front desk")
    page.get_by_label("Secret address in iCal format").fill("ftp://example.com/cal.ics")
    page.get_by_role("button", name="Add calendar").click()
    expect(page.get_by_text("Use an address that starts with https://.")).to_be_visible()

    page.get_by_label("Secret address in iCal format").fill(feed_server.url)
    page.get_by_label("Assign its appointments to").select_option(label="Bob Stone")
    page.get_by_role("button", name="Add calendar").click()
    page.get_by_role("heading", name="Front desk").wait_for()
    expect(page.get_by_text("Not synced yet")).to_be_visible()
    assert "private-7f3a9c" not in page.content()

    page.get_by_role("button", name="Sync now").click()
    expect(page.get_by_text("The calendar changed: its import has started.")).to_be_visible()
    run_now(CalendarFeed.objects.get().last_run)
    assert Appointment.objects.get(external_id="evt-1").staff == bob

    page.reload()
    page.locator("table tbody tr a").first.click()
    expect(page.get_by_text("no client among the attendees")).to_be_visible()

    page.go_back()
    page.get_by_role("button", name="Sync now").click()
    expect(page.get_by_text("has not changed since the last sync")).to_be_visible()

    page.get_by_label("Name").fill("Dr. Lee")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("heading", name="Dr. Lee").wait_for()
    assert CalendarFeed.objects.get().url == feed_server.url  # kept when left empty

    page.get_by_role("link", name="Delete").click()
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_text("Calendar feed “Dr. Lee” deleted")).to_be_visible()
    assert not CalendarFeed.objects.exists() and Appointment.objects.count() == 1
