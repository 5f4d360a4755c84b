"""A Spanish-speaking front desk in a real browser: once signed in, Home and
Compose speak Spanish, down to Compose's errors; the sign-in page before it
follows the browser (English here)."""

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.web.test_inbox import contact, enable_secure

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_home_and_compose_in_spanish(page, org_a, alice):
    alice.language = "es"
    alice.save()
    enable_secure(org_a)
    contact(org_a, "Jane Roe", phone="+14155550100", email="jane@example.com")
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(alice.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Respuestas pendientes")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Alice")
    expect(page.get_by_role("region", name="Citas")).to_contain_text("Mañana")
    expect(page.get_by_role("region", name="Envíos que revisar")).to_be_visible()
    expect(page.get_by_role("list", name="De un vistazo")).to_contain_text("sin leer")
    expect(page.get_by_text("Replies waiting")).to_have_count(0)

    page.get_by_role("navigation", name="Principal").first.get_by_role(
        "link", name="Redactar"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Redactar")
    expect(page.get_by_role("button", name="Enviar", exact=True)).to_be_visible()
    page.get_by_role("button", name="Enviar", exact=True).click()
    expect(page.get_by_text("Elija al menos un contacto.")).to_be_visible()
    expect(page.get_by_text("Escriba un mensaje.")).to_be_visible()
    expect(page.get_by_text("Choose at least one contact.")).to_have_count(0)
