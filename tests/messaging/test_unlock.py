"""R12: an admin unlocks a locked link, from the contact's page or the API, audited
with who and why; the contact's own limit of wrong PINs stays in force."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from hushpost.activity.models import Event, EventKind
from hushpost.messaging.links import (
    MAX_PIN_ATTEMPTS,
    LinkState,
    check_pin,
    contact_pin_limits,
    link_state,
    revoke_links,
)
from tests.portal.conftest import make_link

pytestmark = pytest.mark.django_db


def lock(link):
    for _ in range(MAX_PIN_ATTEMPTS):
        check_pin(link, "0000")
    link.refresh_from_db()
    assert link_state(link) == LinkState.LOCKED
    return link


@pytest.fixture
def locked(jane, secret_message):
    link, raw = make_link(jane, secret_message)
    return lock(link), raw


def test_the_api_unlocks_a_locked_link_and_the_audit_says_who_and_why(api, locked, client):
    link, raw = locked
    response = api.post(
        f"links/{link.pk}/unlock",
        {"reason": "Called her back, identity checked"},
        REMOTE_ADDR="192.0.2.80",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["failed_pin_attempts"]) == (str(link.pk), MAX_PIN_ATTEMPTS)
    link.refresh_from_db()
    assert link_state(link) == LinkState.VALID and link.failed_pin_attempts == 0
    event = Event.objects.get(kind=EventKind.LINK_UNLOCKED)
    assert (event.link, event.actor_label, event.detail) == (
        link,
        "api: Booking system",
        {
            "reason": "Called her back, identity checked",
            "failed_pin_attempts": MAX_PIN_ATTEMPTS,
            "ip": "192.0.2.80",
        },
    )
    # The contact can sign in with the right PIN again.
    response = client.post(f"/s/{raw}", {"pin": "1234"})
    assert response.status_code == 302


def test_an_unlock_needs_a_reason(api, locked):
    response = api.post(f"links/{locked[0].pk}/unlock", {"reason": "  "})
    assert response.status_code == 422
    assert "Say why the link is unlocked" in response.content.decode()
    assert not Event.objects.filter(kind=EventKind.LINK_UNLOCKED).exists()


def test_a_link_that_is_not_locked_expired_or_revoked_is_not_unlocked(api, jane, secret_message):
    working, _ = make_link(jane, secret_message)
    response = api.post(f"links/{working.pk}/unlock", {"reason": "x"})
    assert response.status_code == 409 and "not locked" in response.json()["detail"]
    old = lock(make_link(jane, secret_message)[0])
    with time_machine.travel(old.expires_at + timedelta(minutes=1)):
        assert api.post(f"links/{old.pk}/unlock", {"reason": "x"}).status_code == 409
    revoked = lock(make_link(jane, secret_message)[0])
    revoke_links(jane, link=revoked)
    assert api.post(f"links/{revoked.pk}/unlock", {"reason": "x"}).status_code == 409
    assert not Event.objects.filter(kind=EventKind.LINK_UNLOCKED).exists()


def test_another_organizations_link_is_not_found(api_b, locked):
    assert api_b.post(f"links/{locked[0].pk}/unlock", {"reason": "x"}).status_code == 404
    locked[0].refresh_from_db()
    assert locked[0].locked_at is not None


def test_the_contacts_limit_on_wrong_pins_stays_in_force(api, jane, secret_message, locked):
    failures, _ = contact_pin_limits()
    second = lock(make_link(jane, secret_message)[0])  # ten wrong PINs over two links
    assert Event.objects.filter(kind=EventKind.PIN_WRONG).count() == failures
    assert api.post(f"links/{second.pk}/unlock", {"reason": "checked"}).status_code == 200
    result = check_pin(second, "1234")
    assert not result.ok and result.retry_after > 0  # paused, even with the right PIN


def test_an_admin_unlocks_from_the_contacts_page(alice_client, jane, locked):
    link, _ = locked
    page = alice_client.get(f"/contacts/{jane.pk}/").content.decode()
    url = f"/contacts/{jane.pk}/links/{link.pk}/unlock/"
    assert f'href="{url}"' in page
    form = alice_client.get(url).content.decode()
    assert 'name="reason"' in form
    refused = alice_client.post(url, {"reason": ""})
    assert refused.status_code == 400 and "Say why" in refused.content.decode()
    response = alice_client.post(url, {"reason": "Spoke to Jane at the front desk"})
    assert response.status_code == 302
    link.refresh_from_db()
    assert link.locked_at is None
    event = Event.objects.get(kind=EventKind.LINK_UNLOCKED)
    assert event.actor.email == "alice@riverside.example"
    assert event.detail["reason"] == "Spoke to Jane at the front desk"


def test_a_member_cannot_unlock(bob_client, jane, locked):
    link, _ = locked
    assert "/unlock/" not in bob_client.get(f"/contacts/{jane.pk}/").content.decode()
    url = f"/contacts/{jane.pk}/links/{link.pk}/unlock/"
    assert bob_client.post(url, {"reason": "please"}).status_code == 403
    link.refresh_from_db()
    assert link.locked_at is not None
