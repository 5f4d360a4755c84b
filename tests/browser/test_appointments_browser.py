"""A staff member books an appointment in a real browser and sees its upcoming
reminders; then composes to it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from hushpost.appointments.models import Appointment, AutoMessage
from tests.api.helpers import make_contact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


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
    page.get_by_role("link", name="Appointments").click()
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
    assert f"{day_before.day} {day_before:%b %Y}, 09:30" in text
    assert "Two-hour email" in text and "07:30" in text
    page.screenshot(path=str(tmp_path / "appointment.png"), full_page=True)
    appointment = Appointment.objects.get()
    assert appointment.start == local  # read as typed, in the organization's zone

    # From the list, choose it and compose with its fields.
    page.goto(f"/appointments/?date={local:%Y-%m-%d}")
    page.get_by_label(f"Choose Dana Reyes {local:%H:%M}").check()
    page.get_by_role("button", name="Compose to the chosen appointments").click()
    page.get_by_text("Appointments (1)").wait_for()
    page.get_by_label("Send securely").uncheck()
    page.get_by_role("textbox", name="Message", exact=True).fill(
        "Hello, see you at {{ appointment.start_time }} in {{ appointment.location }}."
    )
    page.get_by_role("button", name="Preview").click()
    assert "see you at 9:30 a.m. in Room 2." in page.locator("#compose-preview").inner_text()
