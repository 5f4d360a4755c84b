"""Masked PINs in a real browser: the contact's page and the compose preview show
•••• until Reveal, and the Audit page then says who revealed what. Compose keeps
Send in view at 1280×800."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from hushpost.activity.models import Event, EventKind
from hushpost.contacts.models import CustomField
from hushpost.messaging.models import SecureMessagingSettings
from tests.api.helpers import make_contact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")


@pytest.fixture
def jane(org_a):
    settings = SecureMessagingSettings.objects.for_org(org_a)
    settings.enabled = True
    settings.default_pin = "{{ custom.portal_pin }}"
    settings.save()
    CustomField.objects.create(
        organization=org_a, key="portal_pin", label="Portal PIN", sensitive=True
    )
    jane = make_contact(org_a, "Jane Roe", phone="+14155550100")
    jane.custom = {"portal_pin": "7316"}
    jane.save()
    return jane


def test_the_pin_is_masked_until_revealed_and_the_reveal_is_audited(jane, signed_in_page, alice):
    page = signed_in_page
    page.goto("/contacts/")
    row = page.get_by_role("row").filter(has_text="Jane Roe")
    expect(row).to_contain_text("From the Portal PIN field")
    expect(page.locator("main")).not_to_contain_text("7316")
    row.get_by_role("link", name="Jane Roe").click()
    field = page.locator('[data-field="portal_pin"]')
    expect(field).to_contain_text("••••")
    expect(field).not_to_contain_text("7316")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "contact-masked.png"), full_page=True)
    field.get_by_role("button", name="Reveal Portal PIN").click()
    expect(page.locator('[data-field="portal_pin"] [data-revealed]')).to_have_text("7316")
    page.screenshot(path=str(SHOTS / "contact-revealed.png"), full_page=True)
    event = Event.objects.get(kind=EventKind.SENSITIVE_VALUE_REVEALED)
    assert (event.actor, event.contact) == (alice, jane)

    page.get_by_role("link", name="Audit").click()
    expect(page.locator("table.events")).to_contain_text(
        "Alice Lee revealed Portal PIN of Jane Roe"
    )
    # Leaving and coming back masks it again.
    page.goto(f"/contacts/{jane.pk}/")
    expect(page.locator('[data-field="portal_pin"]')).not_to_contain_text("7316")


def test_the_compose_preview_masks_the_pin_and_keeps_send_in_view(
    browser, live_server, alice, jane
):
    from tests.conftest import PASSWORD

    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(alice.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Replies waiting").wait_for()
    page.goto(f"/compose/?contacts={jane.pk}")
    send = page.get_by_role("button", name="Send", exact=True)
    # Send is in view at 1280×800 without scrolling, and stays there while the page scrolls.
    box = send.bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= 800, box
    page.get_by_label("Message", exact=True).fill("Your PIN is {{ custom.portal_pin }}.")
    preview = page.locator("#compose-preview")
    expect(preview).to_contain_text("Your PIN is ••••.")
    expect(preview.locator('[data-preview="pin"]')).to_contain_text("••••")
    expect(preview).not_to_contain_text("7316")
    page.mouse.wheel(0, 600)
    box = send.bounding_box()
    assert 0 <= box["y"] and box["y"] + box["height"] <= 800, box
    page.screenshot(path=str(SHOTS / "compose-masked.png"))
    # The message field still has focus: clicking Reveal blurs it. That must not
    # refresh the preview too, or the refresh can replace the button between
    # mouse-down and mouse-up and swallow the click.
    posts: list[str] = []
    page.on(
        "request",
        lambda r: posts.append(r.post_data or "") if r.url.endswith("/compose/preview/") else None,
    )
    preview.get_by_role("button", name="Reveal the PIN and sensitive values").click()
    expect(preview.locator('[data-preview="pin"]')).to_contain_text("7316")
    expect(preview).to_contain_text("Your PIN is 7316.")
    assert len(posts) == 1 and "reveal=1" in posts[0], posts
    # A checkbox in the message fields still refreshes the preview at once.
    with page.expect_response(lambda r: r.url.endswith("/compose/preview/")):
        page.get_by_label("Send securely").uncheck()
    expect(preview.locator('[data-preview="pin"]')).to_have_count(0)
    event = Event.objects.get(kind=EventKind.SENSITIVE_VALUE_REVEALED)
    assert event.detail["via"] == "compose preview" and event.contact == jane
    context.close()
