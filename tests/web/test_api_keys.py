import hashlib
import re

import pytest

from hushpost.accounts.api_keys import create_key
from hushpost.accounts.models import ApiKey
from hushpost.activity.models import Event, EventKind

pytestmark = pytest.mark.django_db

URL = "/settings/api-keys/"


def shown_key(response) -> str:
    match = re.search(r'value="(hp_[A-Za-z0-9_-]+)"', response.content.decode())
    assert match, "the new key is on the page"
    return match.group(1)


def test_an_owner_creates_a_key_and_sees_it_once(alice_client, alice, org_a):
    response = alice_client.post(URL, {"name": "Booking system"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = shown_key(response)
    assert "Copy the key now" in response.content.decode()
    key = ApiKey.objects.get()
    assert key.organization == org_a and key.created_by == alice and key.name == "Booking system"
    assert key.key_hash == hashlib.sha256(raw.encode()).hexdigest() and raw.startswith(key.prefix)
    # The list shows the prefix only: the key is never shown again.
    listing = alice_client.get(URL).content.decode()
    assert key.prefix in listing and raw not in listing
    event = Event.objects.get(kind=EventKind.API_KEY_CREATED)
    assert event.actor == alice and event.detail == {
        "name": "Booking system",
        "prefix": key.prefix,
        "ip": "127.0.0.1",
    }
    assert raw not in str(event.detail)


def test_the_created_key_works_against_the_api(alice_client, client):
    raw = shown_key(alice_client.post(URL, {"name": "CRM"}))
    assert (
        client.get("/api/v1/contacts", headers={"Authorization": f"Bearer {raw}"}).status_code
        == 200
    )


def test_a_key_needs_a_name(alice_client):
    response = alice_client.post(URL, {"name": ""})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    assert not ApiKey.objects.exists()


def test_the_list_shows_name_prefix_created_last_used_and_revoked(alice_client, org_a, alice):
    used, _ = create_key(org_a, "Website", alice)
    revoked, _ = create_key(org_a, "Old CRM", alice)
    alice_client.post(f"{URL}{revoked.pk}/revoke/")
    html = alice_client.get(URL).content.decode()
    for text in ("Website", "Old CRM", used.prefix, revoked.prefix, "never", "Revoked", "Active"):
        assert text in html
    assert html.count("/revoke/") == 1  # only the active key can be revoked


def test_revoking_asks_first_then_stops_the_key(alice_client, client, org_a, alice):
    key, raw = create_key(org_a, "CRM", alice)
    confirm = alice_client.get(f"{URL}{key.pk}/revoke/")
    assert confirm.status_code == 200 and "can't be undone" in confirm.content.decode()
    key.refresh_from_db()
    assert key.revoked_at is None
    response = alice_client.post(f"{URL}{key.pk}/revoke/")
    assert response.status_code == 302 and response["Location"] == URL
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert (
        client.get("/api/v1/contacts", headers={"Authorization": f"Bearer {raw}"}).status_code
        == 401
    )
    event = Event.objects.get(kind=EventKind.API_KEY_REVOKED)
    assert event.actor == alice and event.detail["prefix"] == key.prefix


def test_a_member_gets_403_and_no_nav_link(bob_client, org_a, alice):
    key, _ = create_key(org_a, "CRM", alice)
    assert bob_client.get(URL).status_code == 403
    assert bob_client.post(URL, {"name": "Mine"}).status_code == 403
    assert bob_client.post(f"{URL}{key.pk}/revoke/").status_code == 403
    assert ApiKey.objects.count() == 1 and ApiKey.objects.get().revoked_at is None
    assert URL not in bob_client.get("/contacts/").content.decode()


def test_owners_see_the_nav_link(alice_client):
    assert f'href="{URL}"' in alice_client.get("/contacts/").content.decode()


def test_another_organizations_key_is_404(alice_client, org_b, mallory):
    theirs, _ = create_key(org_b, "Harbor CRM", mallory)
    assert alice_client.get(f"{URL}{theirs.pk}/revoke/").status_code == 404
    assert alice_client.post(f"{URL}{theirs.pk}/revoke/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    assert "Harbor CRM" not in alice_client.get(URL).content.decode()
