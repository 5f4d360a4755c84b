"""An owner edits Messaging settings in a real browser: a template error is shown at
its line and column, the fix saves, and the preview follows what is typed (htmx)."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from hushpost.contacts.models import Contact, CustomField
from hushpost.messaging.models import SecureMessagingSettings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")


def shoot(page, name):
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_a_template_error_is_shown_at_its_line_then_the_fix_saves_and_the_preview_follows(
    signed_in_page, org_a
):
    CustomField.objects.create(
        organization=org_a, key="my_secure_pin_field", label="Secure PIN field"
    )
    Contact.objects.create(
        organization=org_a,
        name="Jane Roe",
        email="jane@example.com",
        custom={"my_secure_pin_field": "8642"},
    )
    Contact.objects.create(organization=org_a, name="Sam Poe", phone="+14155550100")
    page = signed_in_page

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Secure messaging").click()
    page.get_by_role("heading", name="Secure messaging").wait_for()
    assert page.get_by_label("Link lifetime").input_value() == "24h"
    page.locator("#id_body").fill(
        "Hello {{ contact.first_name }},\nread it here: {{ secure_link }\nThanks"
    )
    page.get_by_role("button", name="Save settings").click()

    error = page.locator("#id_body ~ .errorlist")
    assert error.inner_text().startswith("Line 2, column ")
    assert page.locator("#id_body").get_attribute("aria-invalid") == "true"
    shoot(page, "settings-error")
    assert SecureMessagingSettings.objects.get(organization=org_a).body.endswith(
        "{{ secure_link }}"
    )  # the default, untouched

    page.locator("#id_body").fill(
        "Hello {{ contact.first_name }},\nread it here: {{ secure_link }}"
    )
    page.get_by_label("Enable secure messaging").check()
    page.get_by_label("Default contact PIN").fill("{{ custom.my_secure_pin_field }}")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status")).to_contain_text("Messaging settings saved.")
    saved = SecureMessagingSettings.objects.get(organization=org_a)
    assert (
        saved.enabled
        and saved.body == "Hello {{ contact.first_name }},\nread it here: {{ secure_link }}"
    )
    assert saved.default_pin == "{{ custom.my_secure_pin_field }}"

    # The preview follows the form without a click: htmx posts it as it changes.
    preview = page.locator("#preview-result")
    assert "Hello Jane," in preview.inner_text() and "8642" not in preview.inner_text()
    preview.get_by_role("button", name="Reveal the PIN and sensitive values").click()
    expect(preview.locator('[data-preview="pin"]')).to_contain_text("8642")
    page.get_by_label("For contact").select_option(label="Sam Poe")
    expect(preview).to_contain_text("Hello Sam,")
    assert "Held back:" in preview.inner_text()  # Sam has no value in the PIN field
    page.locator("#id_body").fill("Dear {{ contact.name }}, open {{ secure_link }}")
    expect(preview).to_contain_text("Dear Sam Poe, open http")
    page.locator("#id_body").fill("Dear {{ contact.nmae }}, open {{ secure_link }}")
    expect(preview).to_contain_text("unknown field contact.nmae")
    shoot(page, "settings-preview")
    assert SecureMessagingSettings.objects.get(organization=org_a).body.startswith(
        "Hello"
    )  # previews save nothing

    page.set_viewport_size({"width": 360, "height": 740})
    page.reload()
    width = page.evaluate("document.documentElement.scrollWidth")
    shoot(page, "settings-narrow")
    assert width <= 360, f"Messaging settings scroll sideways at 360 px ({width} px wide)"

    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="Fields", exact=True).click()
    shoot(page, "fields-list")
    page.get_by_role("link", name="Delete Secure PIN field").click()
    assert (
        "is used by the default contact PIN in Messaging settings"
        in page.get_by_role("alert").inner_text()
    )
    shoot(page, "fields-delete-refused")
    page.goto("/settings/fields/new/")
    page.get_by_label("Key").fill("Bad Key")
    page.get_by_label("Label").fill("Insurance number")
    page.get_by_role("button", name="Add field").click()
    assert "lowercase letters" in page.locator("#id_key ~ .errorlist").inner_text()
    shoot(page, "fields-new-error")
    page.set_viewport_size({"width": 360, "height": 740})
    page.goto("/settings/fields/")
    shoot(page, "fields-list-narrow")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
