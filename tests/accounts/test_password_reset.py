"""Password reset by email, end to end: through a real SMTP server, and through
the development outbox."""

import email
import re

import pytest
from django.conf import settings

from hushpost.delivery.models import OutboxEntry

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new secret phrase"


def ask_for_reset(client, address):
    response = client.post("/accounts/password-reset/", {"email": address})
    assert response.status_code == 302
    return client.get(response["Location"])


def reset_link(text: str) -> str:
    match = re.search(re.escape(settings.BASE_URL) + r"/accounts/reset/\S+/", text)
    assert match, f"no link starting with {settings.BASE_URL} in:\n{text}"
    return match.group(0)


def choose_password(client, link: str):
    form_page = client.get(link.removeprefix(settings.BASE_URL), follow=True)
    assert "Choose your password" in form_page.content.decode()
    # The token left the address: the form lives at a token-free URL.
    set_password_url = form_page.redirect_chain[-1][0]
    assert "set-password" in set_password_url
    done = client.post(
        set_password_url,
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
        follow=True,
    )
    assert "Password changed" in done.content.decode()


def main_part(response) -> str:
    # The page, without the per-response CSP nonce in <head>.
    return response.content.decode().split("<main", 1)[1]


def signs_in(client, address, password) -> bool:
    return (
        client.post("/accounts/login/", {"username": address, "password": password}).status_code
        == 302
    )


def test_a_reset_over_smtp_arrives_and_sets_a_new_password(client, alice, smtp_server, settings):
    settings.BASE_URL = "https://hushpost.example.org"
    page = ask_for_reset(client, "Alice@Riverside.example")
    assert "Check your email" in page.content.decode()
    [envelope] = smtp_server.messages
    assert envelope.rcpt_tos == ["alice@riverside.example"]
    message = email.message_from_bytes(envelope.content)
    assert message["Subject"] == "Reset your Hushpost password"
    body = message.get_payload(decode=True).decode()
    link = reset_link(body)
    assert link.startswith("https://hushpost.example.org/accounts/reset/")
    assert "testserver" not in body

    choose_password(client, link)
    assert signs_in(client, alice.email, NEW_PASSWORD)
    client.logout()
    assert not signs_in(client, alice.email, "correct horse battery staple")
    # The link works once.
    assert (
        "This link no longer works"
        in client.get(link.removeprefix(settings.BASE_URL), follow=True).content.decode()
    )


def test_an_unknown_email_sends_nothing_but_shows_the_same_page(client, alice, smtp_server):
    known = ask_for_reset(client, alice.email)
    unknown = ask_for_reset(client, "nobody@riverside.example")
    assert main_part(unknown) == main_part(known)
    assert len(smtp_server.messages) == 1


def test_without_smtp_the_reset_email_lands_in_the_development_outbox(client, alice, settings):
    settings.MAILERS = {"default": {"BACKEND": "hushpost.delivery.mail_outbox.OutboxEmailBackend"}}
    ask_for_reset(client, alice.email)
    entry = OutboxEntry.objects.get()
    assert (entry.to, entry.organization) == (alice.email, None)
    choose_password(client, reset_link(entry.body))
    assert signs_in(client, alice.email, NEW_PASSWORD)
