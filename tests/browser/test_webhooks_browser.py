"""An owner sets up a webhook in a real browser: adds the endpoint, copies its secret
(shown once), sends a test event and sees the attempt, and the event arrives signed."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from hushpost.webhooks import sender
from hushpost.webhooks.models import WebhookEndpoint

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")


def shoot(page, name):
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_an_owner_adds_an_endpoint_tests_it_and_sees_the_attempt(signed_in_page, receiver):
    page = signed_in_page
    page.get_by_role("link", name="Webhooks").click()
    page.get_by_role("heading", name="Webhooks", exact=True).wait_for()
    page.get_by_label("Address (URL)").fill(receiver.url)
    page.get_by_label("Description").fill("EHR sync")
    expect(page.get_by_label("Every event, including kinds added later")).to_be_checked()
    shoot(page, "webhooks-new")
    page.get_by_role("button", name="Add endpoint").click()

    secret = page.get_by_label("Signing secret for").input_value()
    assert secret.startswith("whsec_")
    shoot(page, "webhooks-secret")
    page.get_by_role("button", name="Done").click()
    page.get_by_role("heading", name="Webhook endpoint").wait_for()
    assert secret not in page.content()

    page.get_by_role("button", name="Send a test event").click()
    expect(page.get_by_text("A test event is on its way")).to_be_visible()
    assert sender.send_due() == 2  # the test, and the "created" settings change it heard
    page.reload()
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    expect(page.get_by_text("webhook_test", exact=True)).to_be_visible()
    shoot(page, "webhooks-attempts")
    payloads = receiver.verified(secret)
    assert sorted(p["type"] for p in payloads) == ["settings_changed", "webhook_test"]
    assert WebhookEndpoint.objects.get().description == "EHR sync"
