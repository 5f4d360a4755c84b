"""A staff member books an appointment in a real browser and sees its upcoming
reminders; then composes to it."""

from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from hushpost.appointments.models import Appointment, AutoMessage
from tests.api.helpers import make_contact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")


def test_create_an_appointment_and_see_its_upcoming_reminders(
    signed_in_page, org_a, alice, tmp_path
):
    make_contact(org_a, "Dana Reyes")
    AutoMessage.objects.create(
        organization=org_a,
        name="Reminder the day before",
        channel="sms",
        timing="before_start",
        offset_minutes=24 * 60,
        body="See you {{ appointment.start_date }} at {{ appointment.start_time }}",
    )
    AutoMessage.objects.create(
        organization=org_a,
        name="Two-hour email",
        channel="email",
        subject="Soon",
        timing="before_start",
        offset_minutes=120,
        body="In two hours.",
    )
    with timezone.override(org_a.time_zone):
        local = timezone.localtime(timezone.now() + timedelta(days=3)).replace(
            hour=9, minute=30, second=0, microsecond=0
        )
    page = signed_in_page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Appointments").click()
    page.get_by_role("button", name="Add appointment").click()
    page.get_by_label("Contact").select_option(label="Dana Reyes (dana@example.com)")
    page.get_by_label("Start").fill(local.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("End").fill((local + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Title").fill("Check-up")
    page.get_by_label("Location").fill("Room 2")
    page.get_by_role("button", name="Add appointment").click()

    page.get_by_role("heading", name="What will go out when").wait_for()
    upcoming = page.locator("#upcoming-sends")
    rows = upcoming.locator("tbody tr")
    assert rows.count() == 2
    text = upcoming.inner_text()
    day_before = local - timedelta(days=1)
    assert "Reminder the day before" in text and day_before.strftime("%H:%M") == "09:30"
    assert f"{day_before.day} {day_before:%b %Y}, 9:30 a.m. E" in text
    assert "Two-hour email" in text and "7:30 a.m. E" in text
    page.screenshot(path=str(tmp_path / "appointment.png"), full_page=True)
    appointment = Appointment.objects.get()
    assert appointment.start == local  # read as typed, in the organization's zone

    # From the list, choose it and compose with its fields.
    page.goto(f"/appointments/?date={local:%Y-%m-%d}")
    page.get_by_label("Choose Dana Reyes 9:30 a.m.").check()
    page.get_by_role("button", name="Compose to the chosen appointments").click()
    page.get_by_text("Appointments (1)").wait_for()
    page.get_by_label("Send securely").uncheck()
    page.get_by_role("textbox", name="Message", exact=True).fill(
        "Hello, see you at {{ appointment.start_time }} in {{ appointment.location }}."
    )
    page.get_by_role("button", name="Preview").click()
    assert "see you at 9:30 a.m. in Room 2." in page.locator("#compose-preview").inner_text()


def test_appointments_open_on_today_and_the_agenda_shows_the_next_days(
    signed_in_page, org_a, alice
):
    AutoMessage.objects.create(
        organization=org_a,
        name="Reminder the day before",
        channel="sms",
        timing="before_start",
        offset_minutes=24 * 60,
        body="See you {{ appointment.start_time }}",
    )
    dana = make_contact(org_a, "Dana Reyes")
    with timezone.override(org_a.time_zone):
        today = timezone.localdate()
    later = today + timedelta(days=3)
    start = datetime.combine(later, time(14, 0), tzinfo=ZoneInfo(org_a.time_zone))
    Appointment.objects.create(
        organization=org_a,
        contact=dana,
        start=start,
        end=start + timedelta(minutes=30),
        title="Physiotherapy",
        staff=alice,
    )
    from hushpost.appointments.schedule import sync_appointment

    sync_appointment(Appointment.objects.get(), created=True)
    page = signed_in_page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Appointments").click()
    expect(page.get_by_role("heading", level=2)).to_contain_text("Today")
    empty = page.get_by_role("status").filter(has_text="No appointments today.")
    expect(empty).to_contain_text("The next appointments are on")
    empty.get_by_role("link").click()
    expect(page.get_by_role("heading", level=2)).to_contain_text(f"{later.day}")
    expect(page.locator("table.appointments-table")).to_contain_text("Physiotherapy")

    page.get_by_role("link", name="Agenda").click()
    SHOTS.mkdir(exist_ok=True)
    agenda = page.locator("table.appointments-table")
    expect(agenda.locator("tr.day-row")).to_have_count(1)
    row = agenda.locator("tr[data-appointment]")
    expect(row).to_contain_text("2:00 p.m.")
    expect(row).to_contain_text("Alice Lee")
    expect(row).to_contain_text("Not confirmed yet")
    expect(row).to_contain_text("Next: Reminder the day before")
    page.screenshot(path=str(SHOTS / "agenda-1280.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(SHOTS / "agenda-390.png"), full_page=True)

    page.get_by_role("link", name="Week").click()
    expect(page.locator(".week-day")).to_have_count(7)
