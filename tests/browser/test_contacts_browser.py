"""A staff member adds a contact in a real browser; a bad phone number gets a clear error."""

import pytest

from hushpost.contacts.models import Contact

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_bad_phone_number_is_refused_with_a_clear_error_and_a_good_one_is_saved(
    signed_in_page, org_a, tmp_path
):
    page = signed_in_page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Contacts").click()
    page.get_by_role("button", name="Add contact").click()
    page.get_by_label("Name").fill("Jane Roe")
    page.get_by_label("Mobile phone").fill("555-12")
    page.get_by_label("Email", exact=True).fill("jane@example.com")
    page.get_by_role("button", name="Add contact").click()

    error = page.locator("#id_phone + small + .errorlist, .errorlist").first
    assert (
        "not a valid phone number" in error.inner_text()
        or "not a phone number" in error.inner_text()
    )
    assert page.get_by_label("Mobile phone").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Name").input_value() == "Jane Roe"  # nothing typed is lost
    page.screenshot(path=str(tmp_path / "contact-error.png"), full_page=True)
    assert not Contact.objects.exists()

    page.get_by_label("Mobile phone").fill("(415) 555-0100")
    page.get_by_role("button", name="Add contact").click()
    page.get_by_role("heading", name="Jane Roe").wait_for()
    assert "+1 415-555-0100" in page.content()
    assert Contact.objects.get().phone == "+14155550100"


def test_the_contact_page_works_on_a_narrow_phone_screen(browser, live_server, alice, org_a):
    from tests.conftest import PASSWORD

    context = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(alice.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Replies waiting").wait_for()
    page.goto("/contacts/")
    page.screenshot(path="/tmp/shots/contacts-360.png", full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page scrolls sideways at 360 px ({width} px wide)"
    context.close()
