"""The confirmation link on a 360 px phone in chromium: the page shows the appointment,
and the Confirm button works through the portal's CSRF check under no-referrer."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from hushpost.appointments.confirm_links import confirm_token
from hushpost.appointments.models import Appointment
from tests.appointments.helpers import make_appointment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_WIDTH = 360


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": PHONE_WIDTH, "height": 740}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems: list[str] = []
    page.on(
        "console",
        lambda msg: problems.append(msg.text) if msg.type in ("error", "warning") else None,
    )
    page.problems = problems  # type: ignore[attr-defined]
    yield page
    context.close()


def test_a_contact_confirms_from_the_link_on_a_phone(phone, org_a, jane):
    start = timezone.now().replace(microsecond=0) + timedelta(days=2)
    appointment = make_appointment(org_a, jane, start, title="Check-up", location="Room 2")
    phone.goto(f"/s/confirm/{confirm_token(appointment)}")
    expect(phone.get_by_role("heading", name="Check-up")).to_be_visible()
    expect(phone.get_by_text("Room 2")).to_be_visible()
    assert Appointment.objects.get(pk=appointment.pk).status == "scheduled"
    phone.get_by_role("button", name="Confirm").click()
    expect(phone.get_by_role("status").first).to_contain_text("confirmed")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH
    saved = Appointment.objects.get(pk=appointment.pk)
    assert (saved.confirmed_by, saved.answered_via) == ("contact", "link")
    assert not phone.problems, phone.problems
    # The page now offers only "I can't come".
    expect(phone.get_by_role("button", name=re.compile("can.t come"))).to_be_visible()
    expect(phone.get_by_role("button", name="Confirm", exact=True)).to_have_count(0)
