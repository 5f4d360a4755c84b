"""Working the Inbox in a real browser: search by phone, "Assign to me" from the
list, the Mine filter, who else is viewing, and marking a conversation done."""

from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from hushpost.messaging.inbound import store_reply
from hushpost.messaging.models import Conversation, ConversationState
from tests.conftest import PASSWORD
from tests.web.test_inbox import contact, enable_secure, reply, secure_message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")


@pytest.fixture
def inbox(org_a, alice, bob):
    enable_secure(org_a)
    jane = contact(org_a, "Jane Roe", phone="+14155550100", email="jane@example.com")
    sam = contact(org_a, "Sam Poe", phone="+14155550101", email="sam@poe.example")
    reply(secure_message(org_a, jane, bob), "Thanks, see you then.")
    store_reply(sam, body="Is there parking near you?", sid="SM1", now=timezone.now())
    return {"jane": jane, "sam": sam}


def sign_in(browser, live_server, user):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Replies waiting").wait_for()
    return context, page


def test_search_assign_to_me_and_mark_done(inbox, signed_in_page, alice):
    page = signed_in_page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Inbox").click()
    rows = page.locator("li.conversation-row")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Sam Poe")).to_contain_text("Is there parking near you?")
    expect(rows.filter(has_text="Sam Poe")).to_contain_text("Unassigned")
    page.get_by_label("Search by name, phone or email").fill("555-0101")
    page.get_by_role("button", name="Search").click()
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Sam Poe")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "inbox-search.png"), full_page=True)

    rows.get_by_role("button", name="Assign to me: Sam Poe").click()
    expect(page.get_by_role("status")).to_contain_text("assigned to you")
    assert Conversation.objects.get(contact=inbox["sam"]).assigned_to == alice
    page.get_by_role("link", name="Mine").click()
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Assigned to you")

    rows.get_by_role("link", name="Sam Poe").click()
    expect(page.get_by_label("Assigned to")).to_have_value(str(alice.pk))
    page.get_by_role("button", name="Mark done", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("marked done")
    assert Conversation.objects.get(contact=inbox["sam"]).state == ConversationState.DONE
    page.goto("/inbox/?show=done")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Done")


def test_two_colleagues_see_each_other_in_a_conversation(browser, live_server, alice, bob, inbox):
    jane = inbox["jane"]
    bob_context, bob_page = sign_in(browser, live_server, bob)
    bob_page.goto(f"/inbox/{jane.pk}/")
    alice_context, alice_page = sign_in(browser, live_server, alice)
    alice_page.goto(f"/inbox/{jane.pk}/")
    presence = alice_page.locator("#presence")
    expect(presence).to_contain_text("Bob Stone is viewing this conversation now")
    expect(presence).to_contain_text("Last answered by Bob Stone")
    alice_page.screenshot(path=str(SHOTS / "conversation-presence.png"), full_page=True)
    # Bob's page learns of Alice on its next check-in: every 30 s, and when the tab
    # comes back into focus (htmx).
    bob_page.evaluate("window.dispatchEvent(new Event('focus'))")
    expect(bob_page.locator("#presence")).to_contain_text("Alice Lee is viewing")
    # The assignment form works from the conversation too.
    alice_page.get_by_label("Assigned to").select_option(label="Nobody")
    alice_page.get_by_role("button", name="Assign", exact=True).click()
    expect(alice_page.get_by_role("status")).to_contain_text("assigned to nobody")
    assert Conversation.objects.get(contact=jane).assigned_to is None
    bob_context.close()
    alice_context.close()
