"""The contact's page on a 360 px phone in chromium: a wrong PIN, the right one,
the conversation, a reply with a picture, and an expired link asking for a new one.

Screenshots go to /tmp/shots/portal-*.png for a look by eye.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from hushpost.delivery.models import Delivery
from hushpost.messaging.links import create_link
from hushpost.messaging.models import Direction, Message
from tests.portal.conftest import SECRET_TEXT, add_message, make_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")
PHONE_WIDTH = 360
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db00000000049454e44ae426082"
)


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": PHONE_WIDTH, "height": 740}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems = []

    def note(msg):
        # A CSP violation or a missing asset shows up here; a page answered
        # with 400 or 403 on purpose (a wrong PIN, an ended session) is fine.
        if msg.type in ("error", "warning") and not re.search(r"status of 40[03] ", msg.text):
            problems.append(msg.text)

    page.on("console", note)
    page.problems = problems
    yield page
    context.close()


def shoot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"portal-{name}.png"), full_page=True)


def assert_fits_the_phone(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH


def test_a_contact_opens_the_link_enters_the_pin_reads_and_replies_with_a_picture(phone, jane):
    add_message(
        jane,
        "Hello Jane, please see your results below.",
        created_at=timezone.now() - timedelta(hours=2),
    )
    add_message(
        jane,
        "Will do, thank you.",
        direction=Direction.INBOUND,
        created_at=timezone.now() - timedelta(hours=1),
    )
    message = add_message(
        jane,
        SECRET_TEXT + "\nCall us at any time if you have questions.",
        files=[("results-march-2026.pdf", "application/pdf", b"%PDF-1.4 results")],
    )
    _, raw = make_link(jane, message)

    phone.goto(f"/s/{raw}")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Enter your PIN")
    expect(phone.get_by_text(SECRET_TEXT)).to_have_count(0)
    shoot(phone, "pin")
    assert_fits_the_phone(phone)

    phone.get_by_label("PIN").fill("4321")
    phone.get_by_role("button", name="Continue").click()
    expect(phone.get_by_role("alert")).to_have_text("That PIN is not right. 4 tries left.")
    assert phone.get_by_label("PIN").get_attribute("aria-invalid") == "true"
    shoot(phone, "pin-wrong")

    phone.get_by_label("PIN").fill("1234")
    phone.get_by_role("button", name="Continue").click()
    phone.wait_for_url("**/s/conversation/**")
    assert raw not in phone.url
    expect(phone.get_by_text(SECRET_TEXT)).to_be_visible()
    expect(phone.get_by_role("link", name="results-march-2026.pdf")).to_be_visible()
    expect(phone.locator(".portal-org")).to_have_text("Riverside Clinic")
    shoot(phone, "conversation")
    assert_fits_the_phone(phone)

    phone.get_by_label("Your reply").fill("Thank you! Here is the form you asked for.")
    phone.get_by_label("Attach a file (optional)").set_input_files(
        {"name": "signed-form.png", "mimeType": "image/png", "buffer": PNG}
    )
    phone.get_by_role("button", name="Send reply").click()
    phone.wait_for_url("**/s/conversation/?sent=1*")
    expect(phone.get_by_role("status")).to_contain_text("Sent")
    newest = phone.locator(".thread > li").last
    expect(newest).to_contain_text("Here is the form you asked for.")
    expect(newest.get_by_role("link", name="signed-form.png")).to_be_visible()
    shoot(phone, "replied")
    assert_fits_the_phone(phone)

    reply = Message.objects.get(direction=Direction.INBOUND, attachments__isnull=False)
    assert (
        reply.body == "Thank you! Here is the form you asked for."
        and reply.attachments.get().data == PNG
    )

    phone.get_by_role("button", name="Sign out").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("You have signed out")
    phone.goto("/s/conversation/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Your session has ended")
    assert phone.problems == []


def test_an_expired_link_sends_a_new_one_from_the_phone(phone, jane, secret_message):
    _, raw = create_link(
        contact=jane,
        message=secret_message,
        channel="sms",
        lifetime=timedelta(hours=24),
        pin="1234",
        pin_source="contact",
        now=timezone.now() - timedelta(days=2),
    )
    phone.goto(f"/s/{raw}")
    expect(phone.get_by_role("heading", level=1)).to_have_text("This link has expired")
    shoot(phone, "expired")
    assert_fits_the_phone(phone)

    phone.get_by_role("button", name="Send me a new link").click()
    expect(phone.get_by_role("status")).to_have_text("A new link is on its way to •••-•••-1234.")
    shoot(phone, "new-link")
    assert Delivery.objects.get().to == jane.phone
    assert phone.problems == []
