"""The language switch on the contact's page, in chromium: a Spanish reader's PIN page
opens in Spanish, switches to Arabic (right to left) with a plain form, keeps it through
the PIN into the conversation, and a phone-wide page still fits.

Screenshots go to /tmp/shots/portal-language-*.png for a look by eye.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.portal.conftest import add_message, make_link

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")
PHONE_WIDTH = 360


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": PHONE_WIDTH, "height": 740},
        locale="en-US",
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def shoot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"portal-language-{name}.png"), full_page=True)


def test_a_contact_switches_language_and_keeps_it_for_the_visit(phone, jane):
    jane.language = "es"
    jane.save()
    message = add_message(jane, "Sus resultados están listos.")
    _, raw = make_link(jane, message)

    phone.goto(f"/s/{raw}")
    expect(phone.locator("html")).to_have_attribute("lang", "es")
    expect(phone.get_by_role("heading", name="Introduzca su PIN")).to_be_visible()

    phone.get_by_label("Idioma").select_option("ar")
    phone.get_by_role("button", name="Cambiar de idioma").click()
    expect(phone.locator("html")).to_have_attribute("dir", "rtl")
    expect(phone.locator("html")).to_have_attribute("lang", "ar")
    expect(phone.get_by_role("heading", name="أدخل رمز PIN")).to_be_visible()
    shoot(phone, "pin-ar")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH

    phone.get_by_label("رمز PIN", exact=True).fill("1234")
    phone.get_by_role("button", name="متابعة").click()
    expect(phone.get_by_role("heading", name="رسائلك")).to_be_visible()
    expect(phone.get_by_text("Sus resultados están listos.")).to_be_visible()
    # The select shows the language in force, named in itself.
    expect(phone.get_by_label("اللغة")).to_have_value("ar")
    shoot(phone, "conversation-ar")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE_WIDTH

    phone.get_by_role("button", name="تسجيل الخروج").click()
    # Signed out: the choice is forgotten and the browser's own language speaks again.
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    expect(phone.get_by_role("heading", name="You have signed out")).to_be_visible()
