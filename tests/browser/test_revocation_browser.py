"""In chromium: staff revoke a contact's link from the contact's page while the contact is
reading, and the contact's page closes; the link is dead and offers no new one. Then "Revoke
all links" ends the rest.

Screenshots go to /tmp/shots/revocation-*.png for a look by eye.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from hushpost.activity.models import Event, EventKind
from hushpost.messaging.models import SecureLink
from tests.portal.conftest import SECRET_TEXT, make_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")


def shoot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"revocation-{name}.png"), full_page=True)


@pytest.fixture
def phone(browser, live_server):
    """The contact's own browser: a separate context, so no staff cookie is shared."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def test_staff_revoke_a_link_while_the_contact_reads_and_then_all_the_rest(
    signed_in_page, phone, alice, jane, secret_message
):
    link, raw = make_link(jane, secret_message)
    SecureLink.objects.filter(pk=link.pk).update(created_at=link.created_at - timedelta(hours=2))
    link.refresh_from_db()
    make_link(jane, secret_message)  # a second, newer link

    phone.goto(f"/s/{raw}")
    phone.get_by_label("PIN").fill("1234")
    phone.get_by_role("button", name="Continue").click()
    expect(phone.get_by_text(SECRET_TEXT)).to_be_visible()

    staff = signed_in_page
    staff.goto(f"/contacts/{jane.pk}/")
    section = staff.locator("#links")
    expect(section.get_by_role("row")).to_have_count(3)  # the header and two links
    assert raw not in staff.content()
    shoot(staff, "contact-page")
    created = link.created_at.astimezone(ZoneInfo(jane.organization.time_zone))
    section.get_by_role("link", name=f"Revoke the link of {created:%Y-%m-%d %H:%M:%S}").click()
    expect(staff.get_by_role("heading", name="Revoke this link of Jane Roe?")).to_be_visible()
    staff.get_by_role("button", name="Revoke the link").click()
    expect(staff.get_by_text("is revoked")).to_be_visible()
    expect(staff.locator("#links").get_by_role("row")).to_have_count(2)
    assert SecureLink.objects.get(pk=link.pk).revoked_at is not None

    # The contact's open page closes at its next step…
    phone.reload()
    expect(phone.get_by_text(SECRET_TEXT)).to_have_count(0)
    shoot(phone, "session-ended")
    # …and the link itself is dead, with nothing to ask for a new one.
    phone.goto(f"/s/{raw}")
    expect(phone.get_by_role("heading", name="This link is not valid")).to_be_visible()
    expect(phone.get_by_role("button")).to_have_count(0)
    shoot(phone, "dead-link")

    staff.get_by_role("button", name="Revoke all links").click()
    staff.get_by_role("button", name="Revoke 1 link").click()
    expect(staff.get_by_text("No live links")).to_be_visible()
    assert not SecureLink.objects.filter(contact=jane, revoked_at__isnull=True).exists()
    kinds = Event.objects.filter(kind=EventKind.LINK_REVOKED, actor=alice)
    assert [event.detail.get("links") for event in kinds.order_by("id")] == [None, 1]
    assert all(event.detail.get("ip") == "127.0.0.1" for event in kinds)
