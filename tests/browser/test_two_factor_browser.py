"""Two-factor in a real browser: set it up from the QR page by typing the shown key
into a (computed) authenticator, sign in again with a code, and meet the lock notice."""

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.accounts.two_factor_helpers import app_code, secret_code
from tests.browser.test_signin_browser import shoot
from tests.conftest import PASSWORD


def sign_in(page, email, password):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_setting_up_two_factor_and_signing_in_with_a_code(signed_in_page, alice):
    page = signed_in_page
    page.get_by_role("link", name="Security").click()
    page.get_by_role("button", name="Set up two-factor").click()
    expect(page.get_by_label("QR code for your authenticator app").locator("svg")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text()
    shoot(page, "two-factor-setup")
    page.get_by_label("Code from the app").fill(secret_code(secret))
    page.get_by_role("button", name="Turn on two-factor").click()

    codes = page.get_by_role("list", name="Backup codes").locator("li")
    expect(codes).to_have_count(10)
    shoot(page, "two-factor-codes")
    backup = codes.first.inner_text()
    expect(page.get_by_role("status")).to_contain_text("Two-factor sign-in is on")
    page.goto("/security/")
    expect(page.get_by_text("Backup codes left: 10")).to_be_visible()
    expect(page.get_by_role("list", name="Backup codes")).to_have_count(0)

    page.get_by_role("button", name="Sign out").first.click()
    sign_in(page, alice.email, PASSWORD)
    page.wait_for_url(re.compile(r"/accounts/two-factor/"))
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    shoot(page, "two-factor-code")
    # The password alone opens nothing.
    page.goto("/contacts/")
    page.wait_for_url(re.compile(r"/accounts/two-factor/"))
    page.get_by_label("Code").fill("000000")
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("That code doesn't match")).to_be_visible()
    # django-otp refuses any code for a second after a wrong one (its own backoff).
    page.wait_for_timeout(1500)
    page.get_by_label("Code").fill(app_code(TOTPDevice.objects.get(user=alice), steps_ahead=1))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/contacts/")
    expect(page.get_by_role("heading", name="Contacts")).to_be_visible()

    # A backup code, once.
    page.get_by_role("button", name="Sign out").first.click()
    sign_in(page, alice.email, PASSWORD)
    page.get_by_label("Code").fill(backup)
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("You used a backup code; 9 left")).to_be_visible()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_too_many_wrong_passwords_show_the_lock_notice(page, alice, settings):
    settings.HUSHPOST_SIGNIN_ACCOUNT_FAILURES = 3
    for _ in range(2):
        sign_in(page, alice.email, "not the password")
        expect(page.get_by_role("alert")).to_contain_text("don't match an account")
    sign_in(page, alice.email, "not the password")
    expect(page.get_by_role("alert")).to_contain_text("Too many failed sign-in attempts")
    sign_in(page, alice.email, PASSWORD)
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("signing in is paused: try again after")
    expect(alert).to_contain_text("UTC")
    shoot(page, "sign-in-locked")
    assert "/accounts/login/" in page.url
