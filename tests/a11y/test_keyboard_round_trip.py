"""The contact's whole round trip with a keyboard alone: the PIN, reading, a reply
with a file, and a new link from an expired one (issue 16). No click, no mouse:
only Tab, Space, Enter and typing (and the address bar, to open a link)."""

from __future__ import annotations

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError
from playwright.sync_api import expect

from hushpost.messaging.models import Attachment, Direction, Message
from tests.a11y.tour import PIN, PNG, stage

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def tab_to(page, selector: str, *, limit: int = 40) -> None:
    """Press Tab until `selector` has focus; fail if it never gets it."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement?.matches(s) ?? false", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def test_a_contact_does_the_whole_round_trip_with_the_keyboard(browser, live_server):
    s = stage("en")
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        page.goto(f"/s/{s.pin}")
        # The PIN box has focus from the start, its hint read with it.
        assert page.evaluate("document.activeElement.id") == "pin"
        assert (
            page.evaluate("document.activeElement.getAttribute('aria-describedby')") == "pin-hint"
        )
        page.keyboard.type(PIN)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Your messages")
        expect(page.locator(".thread")).to_contain_text("Your test results are ready")

        tab_to(page, "#body")
        page.keyboard.type("Thank you. Here is the photo you asked for.")
        tab_to(page, "#attachment")
        chooser = open_file_chooser_by_keyboard(page)
        chooser.set_files(files=[{"name": "photo.png", "mimeType": "image/png", "buffer": PNG}])
        tab_to(page, "#reply button[type=submit]")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        # Focus lands on the confirmation, not the top of the page.
        assert page.evaluate("document.activeElement.id") == "sent"
        expect(page.locator("#sent")).to_be_focused()
        reply = Message.objects.get(
            contact=s.contact, direction=Direction.INBOUND, attachments__isnull=False
        )
        assert Attachment.objects.get(message=reply).file_name == "photo.png"

        page.goto(f"/s/{s.expired}")
        expect(page.get_by_role("heading", level=1)).to_have_text("This link has expired")
        tab_to(page, ".portal-card button[type=submit]:not([value=other])")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(page.get_by_role("heading", level=1)).to_have_text("Check your messages")
        expect(page.get_by_role("status")).to_contain_text("•••-•••-1234")
    finally:
        context.close()


def open_file_chooser_by_keyboard(page):
    """Space on the focused file input opens the chooser. On a busy machine chromium
    has once let the first press go by without opening it, so the key is pressed
    again (up to three times) before the test gives up; it is always the keyboard."""
    for attempt in range(3):
        try:
            with page.expect_file_chooser(timeout=10_000) as chooser:
                page.keyboard.press("Space")
            return chooser.value
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
            assert page.evaluate("document.activeElement.id") == "attachment"
    raise AssertionError("not reached")
