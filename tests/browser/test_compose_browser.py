"""An owner composes a secure text to two contacts in a real browser: one has no phone and is
held back with the reason, the other is queued, then sent to the development outbox; the
contact's reply then shows in the inbox. Screenshots of each page, wide and at 360 px."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from hushpost.contacts.models import Contact
from hushpost.delivery.models import Delivery, DeliveryStatus
from hushpost.delivery.send import send_delivery
from hushpost.messaging.conversations import receive_reply
from hushpost.messaging.models import SecureMessagingSettings, Send

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")


def shoot(page, name):
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def assert_fits(page, name, width=360):
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{name} scrolls sideways at {width} px ({scroll} px wide)"


def test_a_secure_text_to_two_contacts_holds_back_the_one_without_a_phone(signed_in_page, org_a):
    settings = SecureMessagingSettings.objects.for_org(org_a)
    settings.enabled = True
    settings.save()
    jane = Contact.objects.create(
        organization=org_a, name="Jane Roe", phone="+14155550100", email="jane@example.com"
    )
    Contact.objects.create(organization=org_a, name="Sam Poe", email="sam@example.com")
    Contact.objects.create(organization=org_a, name="Olive Oyl", phone="+14155550102")
    page = signed_in_page

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Compose").click()
    page.get_by_role("heading", name="Compose").wait_for()
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.locator(".recipients .errorlist")).to_have_text("Choose at least one contact.")
    expect(page.locator("#id_body ~ .errorlist")).to_have_text("Write a message.")
    assert page.get_by_label("Message", exact=True).get_attribute("aria-invalid") == "true"
    shoot(page, "compose-errors")
    # The search narrows the list as it is typed (htmx); a chosen contact stays chosen.
    page.get_by_label("Search contacts").fill("jane")
    expect(page.locator("#recipient-list")).not_to_contain_text("Sam Poe")
    page.get_by_label("Jane Roe").check()
    page.get_by_label("Search contacts").fill("sam")
    expect(page.locator("#recipient-list")).to_contain_text("Chosen (1)")
    page.get_by_label("Sam Poe").check()
    expect(page.get_by_label("Text message")).to_be_checked()
    expect(page.get_by_label("Send securely")).to_be_checked()
    page.get_by_label("Message", exact=True).fill(
        "Hello {{ contact.first_name }}, your results are ready."
    )

    # The preview follows the form, for the recipient chosen in it.
    preview = page.locator("#compose-preview")
    expect(preview).to_contain_text("Hello Jane, your results are ready.")
    page.get_by_label("For", exact=True).select_option(label="Sam Poe")
    expect(preview).to_contain_text("Held back for Sam Poe: no mobile phone on file")
    shoot(page, "compose")

    page.get_by_role("button", name="Send", exact=True).click()
    page.wait_for_url("**/sends/*/")
    Send.objects.get()  # exactly one send was made
    rows = page.locator("table.send-outcomes tbody tr")
    expect(rows).to_have_count(2)
    jane_row = rows.filter(has_text="Jane Roe")
    sam_row = rows.filter(has_text="Sam Poe")
    expect(jane_row).to_contain_text("Queued")
    expect(jane_row).to_contain_text("•••-•••-0100")
    expect(sam_row).to_contain_text("Held back")
    expect(sam_row).to_contain_text("no mobile phone on file")
    expect(page.get_by_role("status")).to_contain_text("1 queued, 1 held back")
    # With JavaScript, htmx polls the progress in place (the no-JS reload stays inside <noscript>).
    assert page.locator('#send-progress[hx-trigger="every 2s"]').count() == 1
    shoot(page, "send-result-queued")

    # A worker sends Jane's (the development outbox takes it: nobody receives it, so it is
    # never "delivered"); the page, polling, shows it and stops polling.
    assert send_delivery(Delivery.objects.get(contact=jane).pk)
    expect(jane_row).to_contain_text("Sent to the outbox", timeout=8000)
    expect(page.get_by_role("status")).to_contain_text("1 sent to the outbox, 1 held back")
    expect(page.locator("#send-progress[hx-trigger]")).to_have_count(0)
    shoot(page, "send-result")
    page.set_viewport_size({"width": 360, "height": 740})
    shoot(page, "send-result-360")
    assert_fits(page, "The send result")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/outbox/")
    entry = page.locator("article.outbox-entry").first
    expect(entry).to_contain_text("+1 415-555-0100")
    expect(entry).to_contain_text("Sent to the outbox")
    open_link = entry.get_by_role("button", name="Open the secure link")
    assert "/s/" in open_link.get_attribute("href")
    shoot(page, "outbox")

    delivery = Delivery.objects.get(contact=jane)
    assert (delivery.status, delivery.delivered_at) == (DeliveryStatus.SENT, None)
    receive_reply(link=delivery.link, body="Thank you! Can I call tomorrow?")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Inbox").click()
    expect(page.locator(".conversation-list")).to_contain_text("1 new reply")
    shoot(page, "inbox")
    page.locator(".conversation-list").get_by_role("link", name="Jane Roe").click()
    expect(page.locator("ol.thread")).to_contain_text("Hello Jane, your results are ready.")
    expect(page.locator("ol.thread")).to_contain_text("Thank you! Can I call tomorrow?")
    page.get_by_label("Reply").fill("Yes, any time after 9.")
    page.get_by_role("button", name="Send securely").click()
    expect(page.get_by_role("status")).to_contain_text("on its way by text message")
    expect(page.locator("ol.thread li").last).to_contain_text("Yes, any time after 9.")
    shoot(page, "conversation")

    page.set_viewport_size({"width": 360, "height": 740})
    shoot(page, "conversation-360")
    assert_fits(page, "The conversation")
    page.goto("/inbox/")
    shoot(page, "inbox-360")
    assert_fits(page, "The inbox")
    page.goto("/outbox/")
    shoot(page, "outbox-360")
    assert_fits(page, "The outbox")
    page.goto(f"/compose/?contacts={jane.pk}")
    page.get_by_label("Message", exact=True).fill("Hi {{ contact.first_name }}")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("#compose-preview")).to_contain_text("Hi Jane")
    shoot(page, "compose-360")
    assert_fits(page, "Compose")
