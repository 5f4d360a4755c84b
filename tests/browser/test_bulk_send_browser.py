"""Compose to a whole group in a real browser: the count before sending, then the send's
page following the fan-out and the sending in place (htmx), and the CSV link."""

import pytest
from playwright.sync_api import expect

from hushpost.contacts.models import Contact
from hushpost.delivery.models import Delivery
from hushpost.delivery.send import send_delivery
from hushpost.messaging.fan_out import run_fan_out
from hushpost.messaging.models import SecureMessagingSettings, Send
from tests.browser.test_compose_browser import assert_fits, shoot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_send_to_all_contacts_shows_its_progress_as_it_goes(signed_in_page, org_a):
    settings = SecureMessagingSettings.objects.for_org(org_a)
    settings.enabled = True
    settings.save()
    Contact.objects.bulk_create(
        Contact(organization=org_a, name=f"Person {i:03d}", phone=f"+1415555{i:04d}")
        for i in range(119)
    )
    Contact.objects.create(organization=org_a, name="Zed No Phone", email="zed@example.com")
    page = signed_in_page

    page.goto("/compose/")
    page.get_by_label("All contacts").check()
    page.get_by_label("Message", exact=True).fill("Hello {{ contact.first_name }}")
    count = page.locator("[data-group-count]")
    expect(count).to_contain_text("Goes to 120 recipients; shown for Person 000.")
    expect(page.locator("#compose-preview")).to_contain_text("Hello Person")
    shoot(page, "compose-group")
    page.get_by_role("button", name="Send", exact=True).click()
    page.wait_for_url("**/sends/*/")
    send = Send.objects.get()
    expect(page.get_by_role("heading", level=1)).to_contain_text("to 120 recipients")
    expect(page.locator(".fan-out-progress")).to_have_text(
        "Preparing messages: 0 of 120 recipients."
    )
    shoot(page, "send-fanning-out")

    # A worker fans it out; the page follows without a reload.
    run_fan_out(send.pk)
    status = page.locator("#send-progress").get_by_role("status")
    expect(status).to_have_text("119 queued, 1 held back", timeout=8000)
    expect(page.locator(".fan-out-progress")).to_have_count(0)
    expect(page.locator("table.send-outcomes tbody tr")).to_have_count(50)
    expect(page.get_by_text("Page 1 of 3 · 120 in all")).to_be_visible()

    # Each delivery goes out (the development outbox), and the counts follow.
    for delivery in Delivery.objects.filter(send=send, status="queued"):
        send_delivery(delivery.pk)
    expect(status).to_have_text("119 sent to the outbox, 1 held back", timeout=8000)
    expect(page.locator("#send-progress[hx-trigger]")).to_have_count(0)

    page.get_by_label("Status").select_option("held")
    page.get_by_role("button", name="Show", exact=True).click()
    rows = page.locator("table.send-outcomes tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Zed No Phone")
    csv_link = page.get_by_role("link", name="Download CSV")
    assert csv_link.get_attribute("href") == f"/sends/{send.pk}/deliveries.csv?status=held"
    with page.expect_download() as download:
        csv_link.click()
    text = open(download.value.path(), encoding="utf-8").read()
    assert "Zed No Phone" in text and text.count("\n") == 2
    shoot(page, "send-done")
    page.set_viewport_size({"width": 360, "height": 740})
    assert_fits(page, "The send page")
