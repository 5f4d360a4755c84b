"""Signing in and out in a real browser, with the whole navigation in view.

Set HUSHPOST_SCREENSHOTS=<dir> to also save the sign-in, Users and Activity
log pages there, at desktop and phone (360 px) widths, for a look by eye.
"""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from hushpost.contacts.models import Contact
from tests.conftest import PASSWORD

SECTIONS = [
    "Home",
    "Inbox",
    "Appointments",
    "Contacts",
    "Compose",
    "Auto messages",
    "Secure messaging",
    "Fields",
    "Activity",
    "Deliveries",
    "Users",
]


def shoot(page, name: str) -> None:
    folder = os.environ.get("HUSHPOST_SCREENSHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    page.screenshot(path=f"{folder}/{name}.png", full_page=True)
    page.set_viewport_size({"width": 360, "height": 780})
    page.screenshot(path=f"{folder}/{name}-360.png", full_page=True)
    page.set_viewport_size(size)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_signing_in_and_out(page, alice, bob):
    Contact.objects.create(
        organization=alice.organization, name="Jane Roe", email="jane@example.com"
    )
    page.goto("/accounts/login/")
    shoot(page, "signin")

    page.get_by_label("Email").fill(alice.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "That email and password don't match an account"
    )

    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Alice")  # "Good morning, Alice"

    nav = page.get_by_role("navigation", name="Main")
    for section in SECTIONS:
        expect(nav.get_by_role("link", name=section, exact=True)).to_be_visible()

    nav.get_by_role("link", name="Users", exact=True).click()
    expect(page.get_by_role("cell", name="bob@riverside.example")).to_be_visible()
    shoot(page, "users")

    nav.get_by_role("link", name="Activity", exact=True).click()
    expect(page.get_by_role("cell", name="Alice Lee signed in").first).to_be_visible()
    shoot(page, "activity")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/login/")
    page.goto("/users/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
