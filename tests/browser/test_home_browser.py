"""A front desk starts the day on Home in a real browser: what needs doing, each
item a link to where it is handled; at 390 px the menu opens from a <details>
without JavaScript; the skip link and the focus ring work from the keyboard."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from hushpost.messaging.inbound import store_reply
from tests.appointments.helpers import make_appointment
from tests.conftest import PASSWORD
from tests.web.test_inbox import contact, enable_secure, reply, secure_message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")


def shoot(page, name):
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def morning(org_a, alice):
    enable_secure(org_a)
    jane = contact(org_a, "Jane Roe", phone="+14155550100", email="jane@example.com")
    sam = contact(org_a, "Sam Poe", phone="+14155550101")
    reply(secure_message(org_a, jane, alice), "Can I come at noon instead?")
    store_reply(sam, body="Is there parking?", sid="SM1", now=timezone.now())
    with timezone.override(org_a.time_zone):
        tomorrow = timezone.localtime() + timedelta(days=1)
    make_appointment(
        org_a, jane, tomorrow.replace(hour=10, minute=0, second=0, microsecond=0), staff=alice
    )
    return {"jane": jane, "sam": sam}


def test_home_gathers_the_day_and_leads_to_each_place(morning, signed_in_page):
    page = signed_in_page
    expect(page.get_by_role("heading", level=1)).to_contain_text("Alice")
    replies = page.get_by_role("region", name="Replies waiting")
    expect(replies).to_contain_text("Assigned to you")
    expect(replies).to_contain_text("Assigned to nobody")
    appointments = page.get_by_role("region", name="Appointments")
    expect(appointments).to_contain_text("Tomorrow")
    expect(appointments).to_contain_text("10:00 a.m.")
    expect(appointments).to_contain_text("Not confirmed yet")
    expect(page.locator('[data-tile="unread"]')).to_have_text("2")
    expect(page.get_by_role("navigation", name="Main").locator(".count")).to_contain_text("2")
    shoot(page, "home-1280")
    replies.get_by_role("link", name="Sam Poe").click()
    page.get_by_role("heading", name="Sam Poe").wait_for()
    expect(page.locator("ol.thread")).to_contain_text("Is there parking?")
    page.get_by_role("link", name="Home").click()
    expect(page.locator('[data-tile="unread"]')).to_have_text("1")  # Sam's is read now


def test_on_a_phone_the_menu_opens_without_javascript(browser, live_server, alice, morning):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 390, "height": 844}, java_script_enabled=False
    )
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(alice.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Replies waiting").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    expect(page.locator(".sidenav")).to_be_hidden()
    menu = page.locator("details.phone-menu")
    expect(menu.get_by_role("link", name="Appointments")).to_be_hidden()
    shoot(page, "home-390")
    menu.locator("summary").click()
    expect(menu.get_by_role("link", name="Appointments")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shoot(page, "home-390-menu")
    menu.get_by_role("link", name="Appointments").click()
    page.get_by_role("heading", name="Appointments", level=1).wait_for()
    context.close()


def test_the_keyboard_reaches_the_skip_link_first_with_a_visible_focus_ring(signed_in_page):
    page = signed_in_page
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    assert skip.bounding_box()["y"] >= 0  # shown while it has focus
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Compose"  # the first control of the page itself, past the menu
    style = page.evaluate(
        "(() => { const s = getComputedStyle(document.activeElement);"
        " return [s.outlineStyle, s.outlineWidth]; })()"
    )
    assert style == ["solid", "3px"]
