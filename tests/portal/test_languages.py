"""Every page a contact sees, in the contact's language: Spanish, Vietnamese and Arabic
(right to left) here; all eleven catalogs are checked in tests/project/test_translations.py.
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import formats, translation

from hushpost.delivery.unsubscribe import unsubscribe_url
from hushpost.messaging.links import MAX_PIN_ATTEMPTS, check_pin
from hushpost.messaging.models import SecureMessagingSettings
from hushpost.portal.language import COOKIE_NAME
from tests.portal.conftest import add_message, csrf_from, make_link, signed_in

pytestmark = pytest.mark.django_db

LANGUAGES = ["es", "vi", "ar"]


def translated(language: str, english: str) -> str:
    with translation.override(language):
        text = translation.gettext(english)
    assert text != english, f"{english!r} has no {language} translation"
    return text


def assert_page_in(response, language: str, *english: str) -> str:
    page = response.content.decode()
    direction = "rtl" if language == "ar" else "ltr"
    assert f'<html lang="{language}" dir="{direction}">' in page
    assert response["Content-Language"] == language
    for text in english:
        assert translated(language, text) in page
        assert text not in page
    return page


@pytest.fixture
def speaks(jane):
    def set_language(language: str):
        jane.language = language
        jane.save()
        return jane

    return set_language


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_pin_page_speaks_the_contacts_language(client, speaks, pin_link, language):
    speaks(language)
    response = client.get(f"/s/{pin_link[1]}")
    assert_page_in(response, language, "Enter your PIN", "Continue", "Private page")


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_wrong_pin_is_told_in_the_contacts_language(client, speaks, pin_link, language):
    speaks(language)
    response = client.post(f"/s/{pin_link[1]}", {"pin": "0000"})
    page = assert_page_in(response, language, "Enter your PIN")
    with translation.override(language):
        told = translation.ngettext(
            "That PIN is not right. %(count)s try left.",
            "That PIN is not right. %(count)s tries left.",
            MAX_PIN_ATTEMPTS - 1,
        ) % {"count": MAX_PIN_ATTEMPTS - 1}
    assert told in page and "That PIN is not right" not in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_conversation_and_its_times_speak_the_contacts_language(client, speaks, jane, language):
    speaks(language)
    message = add_message(jane, "Hola", created_at=datetime(2026, 12, 9, 6, 7, tzinfo=UTC))
    signed_in(client, make_link(jane, message)[1])
    response = client.get("/s/conversation/")
    page = assert_page_in(response, language, "Your messages", "Send reply", "Sign out")
    # 06:07 UTC is 22:07 the evening before in Los Angeles, written the page's way, with its zone.
    local = datetime(2026, 12, 8, 22, 7, tzinfo=ZoneInfo("America/Los_Angeles"))
    with translation.override(language):
        written = formats.date_format(local, "DATETIME_FORMAT")
    assert "December" not in page and "Dec." not in page
    assert f'<time datetime="2026-12-08T22:07:00-08:00">{written} PST</time>' in page


def test_an_english_time_carries_its_zone(client, jane):
    message = add_message(jane, "Hi", created_at=datetime(2026, 12, 9, 6, 7, tzinfo=UTC))
    signed_in(client, make_link(jane, message)[1])
    page = client.get("/s/conversation/").content.decode()
    assert "Dec. 8, 2026, 10:07 p.m. PST" in page


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_reply_error_speaks_the_contacts_language(client, speaks, jane, pin_link, language):
    speaks(language)
    signed_in(client, pin_link[1])
    response = client.post("/s/conversation/reply", {"body": "  "})
    assert response.status_code == 400
    assert_page_in(response, language, "Write a reply or attach a file.")


@pytest.mark.parametrize("language", LANGUAGES)
def test_expired_and_locked_pages_and_the_new_link_speak_it(client, speaks, org_a, language):
    jane = speaks(language)
    settings = SecureMessagingSettings.objects.for_org(org_a)
    settings.enabled = True
    settings.save()
    expired, raw = make_link(jane)
    with time_machine.travel(expired.expires_at + timedelta(minutes=1)):
        response = client.get(f"/s/{raw}")
        assert_page_in(response, language, "This link has expired", "Send me a new link")
        response = client.post(f"/s/{raw}/new-link")
    assert_page_in(response, language, "Check your messages")
    locked, raw = make_link(jane)
    for _ in range(MAX_PIN_ATTEMPTS):
        check_pin(locked, "0000")
    assert_page_in(client.get(f"/s/{raw}"), language, "This link is locked")


@pytest.mark.parametrize("language", LANGUAGES)
def test_pages_that_know_no_contact_follow_the_browser(client, jane, pin_link, language):
    # Jane reads English; a bad link can't know that and must not reveal it.
    header = {"HTTP_ACCEPT_LANGUAGE": f"{language},en;q=0.5"}
    response = client.get("/s/not-a-real-token", **header)
    assert response.status_code == 404
    page = assert_page_in(response, language, "This link is not valid")
    assert "Change language" not in page and translated(language, "Language") not in page
    signed_in(client, pin_link[1])
    client.post("/s/conversation/sign-out")
    assert_page_in(client.get("/s/signed-out/", **header), language, "You have signed out")


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_unsubscribe_page_speaks_the_contacts_language(client, speaks, language):
    jane = speaks(language)
    response = client.get(unsubscribe_url(jane.id, jane.email))
    assert_page_in(response, language, "Unsubscribe")


def test_the_switch_shows_every_language_in_its_own_name(client, pin_link):
    page = unicodedata.normalize("NFC", client.get(f"/s/{pin_link[1]}").content.decode())
    for code, name in [("es", "español"), ("ar", "العربيّة"), ("vi", "Tiếng Việt")]:
        option = f'<option value="{code}" lang="{code}">{name}</option>'
        assert unicodedata.normalize("NFC", option) in page
    assert '<option value="en" lang="en" selected>English</option>' in page


def test_the_switch_keeps_the_choice_for_the_visit_and_sign_out_forgets_it(client, pin_link):
    raw = pin_link[1]
    page = client.get(f"/s/{raw}").content.decode()
    response = client.post(
        "/s/language",
        {"language": "vi", "next": f"/s/{raw}", "csrfmiddlewaretoken": csrf_from(page)},
    )
    assert response.status_code == 302 and response["Location"] == f"/s/{raw}"
    cookie = response.cookies[COOKIE_NAME]
    assert cookie.value == "vi" and cookie["path"] == "/s/" and cookie["httponly"]
    assert not cookie["max-age"]  # gone when the browser closes
    assert_page_in(client.get(f"/s/{raw}"), "vi", "Enter your PIN")
    signed_in(client, raw)
    assert_page_in(client.get("/s/conversation/"), "vi", "Your messages")
    client.post("/s/conversation/sign-out")
    assert client.cookies[COOKIE_NAME].value == ""
    assert client.get("/s/signed-out/")["Content-Language"] == "en"


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/s/", "/web/", "/s\\evil", ""]
)
def test_the_switch_goes_back_only_to_a_portal_page(client, pin_link, target):
    page = client.get(f"/s/{pin_link[1]}").content.decode()
    response = client.post(
        "/s/language",
        {"language": "es", "next": target, "csrfmiddlewaretoken": csrf_from(page)},
    )
    assert response.status_code == 302 and response["Location"] == "/s/"


def test_the_switch_ignores_a_language_we_do_not_speak(client, pin_link):
    page = client.get(f"/s/{pin_link[1]}").content.decode()
    response = client.post(
        "/s/language",
        {"language": "xx", "next": "/s/", "csrfmiddlewaretoken": csrf_from(page)},
    )
    assert response.status_code == 302 and COOKIE_NAME not in response.cookies


def test_the_switch_needs_the_pages_csrf_token(pin_link):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post("/s/language", {"language": "es", "next": "/s/"})
    assert response.status_code == 403 and COOKIE_NAME not in response.cookies
