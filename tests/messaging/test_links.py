from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from hushpost.activity.models import Event, EventKind
from hushpost.contacts.models import Contact
from hushpost.messaging.links import (
    MAX_PIN_ATTEMPTS,
    LinkState,
    check_pin,
    create_link,
    find_link,
    link_state,
    mask_email,
    mask_phone,
    pin_hmac,
    revoke_links,
    token_hash,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def contact(org_a):
    return Contact.objects.create(
        organization=org_a, name="Jane Roe", phone="+14155550100", email="jane@example.com"
    )


def make(contact, pin="Ab12", lifetime=timedelta(hours=24)):
    return create_link(
        contact=contact,
        message=None,
        channel="sms",
        lifetime=lifetime,
        pin=pin,
        pin_source="message",
    )


def test_only_the_hash_of_the_token_is_stored_and_it_finds_the_link(contact):
    link, raw = make(contact)
    assert len(raw) >= 43
    assert link.token_hash == token_hash(raw) and raw not in link.token_hash
    assert find_link(raw) == link


@pytest.mark.parametrize("bad", ["", "short", "x" * 43, "A" * 43 + "!", "../../etc/passwd"])
def test_unknown_malformed_and_tampered_tokens_find_nothing(contact, bad):
    _, raw = make(contact)
    assert find_link(bad) is None
    tampered = raw[:-1] + ("A" if raw[-1] != "A" else "B")
    assert find_link(tampered) is None


def test_pins_compare_after_trimming_and_ignoring_case(contact):
    link, _ = make(contact, pin="Ab12")
    assert link.pin_hmac == pin_hmac(" ab12 ") and "Ab12" not in link.pin_hmac
    assert check_pin(link, "  aB12 ").ok
    assert Event.objects.filter(kind=EventKind.PIN_ENTERED, link=link).count() == 1


def test_the_fifth_wrong_pin_locks_the_link_and_each_is_logged(contact):
    link, _ = make(contact)
    results = [check_pin(link, "0000") for _ in range(MAX_PIN_ATTEMPTS)]
    assert [r.attempts_left for r in results] == [4, 3, 2, 1, 0]
    assert results[-1].locked and not any(r.locked for r in results[:-1])
    link.refresh_from_db()
    assert link.locked_at is not None and link_state(link) == LinkState.LOCKED
    assert Event.objects.filter(kind=EventKind.PIN_WRONG, link=link).count() == 5
    assert Event.objects.filter(kind=EventKind.LINK_LOCKED, link=link).count() == 1
    # Once locked, even the right PIN does not open it.
    assert not check_pin(link, "Ab12").ok


def test_a_link_expires_on_the_server_clock(contact):
    link, _ = make(contact, lifetime=timedelta(hours=24))
    assert link_state(link) == LinkState.VALID
    with time_machine.travel(timezone.now() + timedelta(hours=24, seconds=1)):
        assert link_state(link) == LinkState.EXPIRED
        assert not check_pin(link, "Ab12").ok


def test_revoking_ends_every_live_link_of_a_contact(contact, alice):
    first, _ = make(contact)
    make(contact)
    assert revoke_links(contact, actor=alice) == 2
    first.refresh_from_db()
    assert link_state(first) == LinkState.REVOKED
    assert Event.objects.get(kind=EventKind.LINK_REVOKED).detail == {"links": 2}


def test_masks_show_only_enough_to_recognise_the_destination():
    assert mask_phone("+14155551234") == "•••-•••-1234"
    assert mask_email("jane@example.com") == "j•••@example.com"
