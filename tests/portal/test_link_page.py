"""/s/<token>: what a GET may and may not do, the PIN, the button, the token-free redirect."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from hushpost.activity.models import Event, EventKind
from hushpost.contacts.models import Contact
from hushpost.messaging.links import MAX_PIN_ATTEMPTS, revoke_links
from hushpost.messaging.models import SecureLink
from hushpost.portal.models import PortalSession
from hushpost.portal.sessions import COOKIE_NAME
from tests.portal.conftest import SECRET_TEXT, add_message, make_link, signed_in

pytestmark = pytest.mark.django_db


def kinds(link) -> list[str]:
    return list(Event.objects.filter(link=link).order_by("id").values_list("kind", flat=True))


def test_unknown_malformed_tampered_and_revoked_tokens_all_get_the_same_not_valid_page(
    client, jane, pin_link
):
    _, raw = pin_link
    revoked, revoked_raw = make_link(jane)
    revoke_links(jane, link=revoked)
    tampered = raw[:-1] + ("A" if raw[-1] != "A" else "B")
    bad = ["A" * 43, "short", "%2e%2e%2fetc", tampered, revoked_raw, raw + "x"]
    responses = [client.get(f"/s/{token}") for token in bad]
    assert {r.status_code for r in responses} == {404}
    assert len({r.content for r in responses}) == 1
    page = responses[0].content.decode()
    assert "This link is not valid" in page
    assert "Riverside" not in page and "Jane" not in page
    assert PortalSession.objects.count() == 0


def test_a_get_logs_the_fetch_and_changes_nothing_else(client, pin_link):
    link, raw = pin_link
    for _ in range(3):  # a mail scanner, a chat preview, a client that says nothing of itself
        response = client.get(f"/s/{raw}")
        assert response.status_code == 200
        page = response.content.decode()
        assert SECRET_TEXT not in page and "results.pdf" not in page
        assert '<label for="pin">PIN</label>' in page
    link.refresh_from_db()
    assert link.failed_pin_attempts == 0 and link.locked_at is None
    # No user agent, seconds after sending, and no PIN posted: not a person (link_visits.py).
    assert kinds(link) == [EventKind.LINK_PREFETCHED] * 3
    assert not Event.objects.filter(kind=EventKind.MESSAGE_VIEWED).exists()
    assert PortalSession.objects.count() == 0
    assert COOKIE_NAME not in response.cookies


def test_the_pin_field_is_labelled_for_phones_and_one_time_codes(client, pin_link):
    page = client.get(f"/s/{pin_link[1]}").content.decode()
    assert 'id="pin" name="pin" type="text" inputmode="text" autocomplete="one-time-code"' in page
    assert 'method="post"' in page


def test_a_link_without_a_pin_offers_a_view_button_and_shows_nothing_on_get(client, open_link):
    link, raw = open_link
    page = client.get(f"/s/{raw}").content.decode()
    assert "View conversation" in page and 'name="pin"' not in page
    assert SECRET_TEXT not in page
    assert PortalSession.objects.count() == 0

    response = client.post(f"/s/{raw}")
    assert response.status_code == 302 and response["Location"] == "/s/conversation/#latest"
    page = client.get("/s/conversation/").content.decode()
    assert SECRET_TEXT in page
    # The post is what shows a person opened it.
    assert kinds(link) == [
        EventKind.LINK_PREFETCHED,
        EventKind.LINK_CLICKED,
        EventKind.MESSAGE_VIEWED,
    ]


def test_a_wrong_pin_shows_the_form_again_with_the_tries_left(client, pin_link):
    link, raw = pin_link
    response = client.post(f"/s/{raw}", {"pin": "9999"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "That PIN is not right. 4 tries left." in page
    assert 'aria-invalid="true" aria-describedby="pin-error"' in page
    assert SECRET_TEXT not in page
    assert PortalSession.objects.count() == 0 and COOKIE_NAME not in response.cookies
    link.refresh_from_db()
    assert link.failed_pin_attempts == 1


def test_an_empty_pin_is_not_counted_as_a_try(client, pin_link):
    link, raw = pin_link
    response = client.post(f"/s/{raw}", {"pin": "  "})
    assert response.status_code == 400 and "Enter your PIN." in response.content.decode()
    link.refresh_from_db()
    assert link.failed_pin_attempts == 0


def test_the_fifth_wrong_pin_locks_the_link_and_then_even_the_right_one_is_refused(
    client, pin_link
):
    link, raw = pin_link
    for left in range(MAX_PIN_ATTEMPTS - 1, 0, -1):
        page = client.post(f"/s/{raw}", {"pin": "0000"}).content.decode()
        assert f"{left} tr" in page
    page = client.post(f"/s/{raw}", {"pin": "0000"}).content.decode()
    assert "This link is locked" in page and "too many times" in page
    assert "Send me a new link" in page and f'action="/s/{raw}/new-link"' in page
    link.refresh_from_db()
    assert link.locked_at is not None and link.failed_pin_attempts == MAX_PIN_ATTEMPTS

    page = client.post(f"/s/{raw}", {"pin": "1234"}).content.decode()
    assert "This link is locked" in page and SECRET_TEXT not in page
    assert client.get(f"/s/{raw}").content.decode().count("Send me a new link") == 1
    assert PortalSession.objects.count() == 0
    assert Event.objects.filter(link=link, kind=EventKind.LINK_LOCKED).count() == 1


def test_the_right_pin_starts_a_session_and_redirects_to_a_token_free_url(client, pin_link, jane):
    link, raw = pin_link
    response = client.post(f"/s/{raw}", {"pin": " 1234 "})
    assert response.status_code == 302
    assert response["Location"] == "/s/conversation/#latest" and raw not in response["Location"]
    cookie = response.cookies[COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/s/"
    session = PortalSession.objects.get()
    assert session.key_hash == hashlib.sha256(cookie.value.encode()).hexdigest()
    assert cookie.value not in session.key_hash
    assert (session.contact, session.link, session.organization) == (jane, link, jane.organization)
    assert EventKind.PIN_ENTERED in kinds(link)


def test_the_session_cookie_is_secure_over_https(client, pin_link):
    response = client.post(f"/s/{pin_link[1]}", {"pin": "1234"}, secure=True)
    assert response.cookies[COOKIE_NAME]["secure"]


def test_the_token_never_appears_on_the_conversation_page(client, pin_link):
    raw = pin_link[1]
    signed_in(client, raw)
    response = client.get("/s/conversation/")
    assert response.status_code == 200
    assert raw not in response.content.decode()
    assert all(raw not in value for value in response.headers.values())


def test_each_start_replaces_the_browsers_session_with_a_new_key(client, pin_link):
    raw = pin_link[1]
    signed_in(client, raw)
    first_key = client.cookies[COOKIE_NAME].value
    signed_in(client, raw)
    second_key = client.cookies[COOKIE_NAME].value
    assert first_key != second_key
    assert PortalSession.objects.filter(ended_at__isnull=True).count() == 1
    client.cookies[COOKIE_NAME] = first_key
    assert client.get("/s/conversation/").status_code == 403


def test_an_expired_link_logs_the_visit_and_offers_a_new_link(client, pin_link):
    link, raw = pin_link
    with time_machine.travel(link.expires_at + timedelta(seconds=1)):
        page = client.get(f"/s/{raw}").content.decode()
        assert "This link has expired" in page
        assert (
            f'<form method="post" action="/s/{raw}/new-link"' in page
            and "Send me a new link" in page
        )
        assert 'name="pin"' not in page and SECRET_TEXT not in page
        # The PIN can no longer be tried on it.
        page = client.post(f"/s/{raw}", {"pin": "1234"}).content.decode()
        assert "This link has expired" in page
    link.refresh_from_db()
    assert link.failed_pin_attempts == 0
    assert kinds(link) == [EventKind.EXPIRED_LINK_VISITED]
    assert PortalSession.objects.count() == 0


def test_times_are_in_the_contacts_time_zone_and_language(client, jane):
    message = add_message(jane, "Hallo", created_at=datetime(2026, 3, 2, 18, 5, tzinfo=UTC))
    jane.language = "de"
    jane.save()
    signed_in(client, make_link(jane, message)[1])
    response = client.get("/s/conversation/")
    page = response.content.decode()
    assert response["Content-Language"] == "de" and '<html lang="de"' in page
    # 18:05 UTC is 10:05 in Los Angeles; German writes the date its own way.
    assert 'datetime="2026-03-02T10:05:00-08:00"' in page
    assert "2. März 2026 10:05" in page


def test_one_contacts_language_does_not_stay_for_the_next_request(client, jane, org_a):
    jane.language = "de"
    jane.save()
    client.get(f"/s/{make_link(jane)[1]}")
    other = Contact.objects.create(
        organization=org_a, name="Sam Poe", phone="+14155559876", language="en"
    )
    response = client.get(f"/s/{make_link(other)[1]}")
    assert response["Content-Language"] == "en"


def test_a_head_request_shows_nothing_either(client, pin_link):
    link, raw = pin_link
    response = client.head(f"/s/{raw}")
    assert response.status_code == 200 and response.content == b""
    link.refresh_from_db()
    assert link.failed_pin_attempts == 0 and PortalSession.objects.count() == 0
    # The fetch is in the log as a scanner's; the link row itself is untouched by a GET or HEAD.
    assert SecureLink.objects.get(pk=link.pk).first_clicked_at is None
    event = Event.objects.get(kind=EventKind.LINK_PREFETCHED, link=link)
    assert event.detail == {"reason": "head_request"}
    assert not Event.objects.filter(kind=EventKind.LINK_CLICKED).exists()
