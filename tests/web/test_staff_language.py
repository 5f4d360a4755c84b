"""The staff app in English or Spanish: each person picks theirs under Preferences;
before signing in, the browser's if we speak it. Contacts' pages keep their own."""

import pytest

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_a_staff_member_switches_the_app_to_spanish(alice_client, alice):
    assert alice.language == "en"
    page = alice_client.get("/me/")
    assert '<html lang="en">' in page.content.decode() and "Daily work" in page.content.decode()
    response = alice_client.post(
        "/me/", {"first_name": "Alice", "last_name": "", "time_zone": "", "language": "es"}
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.language == "es"
    page = alice_client.get("/me/")
    html = page.content.decode()
    assert page["Content-Language"] == "es" and '<html lang="es">' in html
    for spanish in ("Trabajo diario", "Bandeja de entrada", "Sus preferencias", "Su zona horaria"):
        assert spanish in html
    assert "Daily work" not in html


def test_a_colleague_keeps_english(alice, bob_client):
    alice.language = "es"
    alice.save()
    html = bob_client.get("/me/").content.decode()
    assert "Daily work" in html and "Trabajo diario" not in html


def test_a_language_the_staff_app_does_not_speak_is_refused(alice_client, alice):
    response = alice_client.post(
        "/me/", {"first_name": "Alice", "last_name": "", "time_zone": "", "language": "ar"}
    )
    assert response.status_code == 200 and response.context["form"].errors["language"]
    alice.refresh_from_db()
    assert alice.language == "en"


def test_the_sign_in_page_follows_the_browser_among_the_staff_languages(client):
    spanish = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9")
    assert spanish["Content-Language"] == "es" and "Iniciar sesión" in spanish.content.decode()
    # French contacts are spoken to in French; the staff app has no French, so English.
    french = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="fr")
    assert french["Content-Language"] == "en" and "Sign in" in french.content.decode()


def test_a_spanish_speaking_staff_member_leaves_the_api_and_contacts_pages_alone(
    client, alice, api, jane, pin_link
):
    alice.language = "es"
    alice.save()
    client.login(email=alice.email, password=PASSWORD)
    # Jane reads English: her page stays English in Alice's browser.
    page = client.get(f"/s/{pin_link[1]}")
    assert page["Content-Language"] == "en" and "Enter your PIN" in page.content.decode()
    assert api.get("contacts/not-a-uuid").json()["title"] == "Not Found"
