"""The unsubscribe page in chromium on a phone: styled, no console
errors under its CSP, one click to opt out.

A screenshot goes to /tmp/shots/unsubscribe-*.png for a look by eye.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from hushpost.activity.models import Event, EventKind
from hushpost.delivery.unsubscribe import make_token

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")


def test_a_contact_unsubscribes_from_the_page(browser, live_server, jane):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems = []
    page.on(
        "console",
        lambda msg: problems.append(msg.text) if msg.type in ("error", "warning") else None,
    )
    try:
        page.goto(f"/u/{make_token(jane.pk, jane.email)}/")
        expect(
            page.get_by_role("heading", name="Stop email from Riverside Clinic?")
        ).to_be_visible()
        # The portal's stylesheet applies (Pico's button is wider than the browser's own).
        assert page.get_by_role("button", name="Unsubscribe").bounding_box()["width"] > 200
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / "unsubscribe-ask.png"))
        page.get_by_role("button", name="Unsubscribe").click()
        expect(page.get_by_role("heading", name="You are unsubscribed")).to_be_visible()
        page.screenshot(path=str(SHOTS / "unsubscribe-done.png"))
        assert problems == []
    finally:
        context.close()
    jane.refresh_from_db()
    assert jane.email_opt_out is True
    assert Event.objects.get(kind=EventKind.EMAIL_OPTED_OUT).detail["via"] == "page"
