"""Revoking secure links (messaging/revocation.py) and what the contact then sees."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
import time_machine
from django.db import connection, transaction
from django.utils import timezone

from hushpost.activity.models import Event, EventKind
from hushpost.contacts.models import Contact
from hushpost.delivery import holds, lifecycle, send
from hushpost.delivery.models import Delivery, DeliveryStatus
from hushpost.delivery.send import queue_delivery
from hushpost.messaging.links import MAX_PIN_ATTEMPTS, LinkState, check_pin, link_state
from hushpost.messaging.models import Direction, Message, SecureLink
from hushpost.messaging.renewal import request_new_link
from hushpost.messaging.revocation import listed_links, live_links, revoke_all_links, revoke_link
from hushpost.portal.models import PortalSession
from tests.portal.conftest import SECRET_TEXT, make_link, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def three_links(jane, secret_message):
    """One that works, one expired, one locked: all three can still do something,
    so all three are live."""
    valid = make_link(jane, secret_message)
    expired = make_link(jane, secret_message, lifetime=timedelta(seconds=-1))
    locked = make_link(jane, secret_message)
    for _ in range(MAX_PIN_ATTEMPTS):
        check_pin(locked[0], "0000")
    return valid, expired, locked


def test_revoking_one_link_ends_it_alone_and_logs_who(jane, three_links, alice):
    (valid, _), (expired, _), _ = three_links
    assert revoke_link(valid, actor=alice)
    assert link_state(SecureLink.objects.get(pk=valid.pk)) == LinkState.REVOKED
    assert link_state(SecureLink.objects.get(pk=expired.pk)) == LinkState.EXPIRED
    event = Event.objects.get(kind=EventKind.LINK_REVOKED)
    assert (event.actor, event.contact, event.link, event.message) == (
        alice,
        jane,
        valid,
        valid.message,
    )


def test_revoking_a_revoked_link_again_changes_and_logs_nothing(three_links, alice):
    (valid, _), _, _ = three_links
    revoke_link(valid, actor=alice)
    first = SecureLink.objects.get(pk=valid.pk).revoked_at
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        assert not revoke_link(valid, actor=alice)
    assert SecureLink.objects.get(pk=valid.pk).revoked_at == first
    assert Event.objects.filter(kind=EventKind.LINK_REVOKED).count() == 1


def test_revoke_all_ends_every_live_link_of_the_contact_only(org_a, jane, three_links, alice):
    other = Contact.objects.create(organization=org_a, name="Sam Poe", phone="+14155550000")
    other_link, _ = make_link(other)
    assert revoke_all_links(jane, actor_label="api: Booking system") == 3
    assert not live_links(jane).exists() and listed_links(jane) == []
    assert link_state(SecureLink.objects.get(pk=other_link.pk)) == LinkState.VALID
    event = Event.objects.get(kind=EventKind.LINK_REVOKED)
    assert (event.actor, event.actor_label, event.link, event.detail) == (
        None,
        "api: Booking system",
        None,
        {"links": 3},
    )
    assert revoke_all_links(jane, actor=alice) == 0
    assert Event.objects.filter(kind=EventKind.LINK_REVOKED).count() == 1


def test_the_list_shows_dates_channel_and_state_but_no_token_or_pin(jane, three_links):
    listed = listed_links(jane)
    assert [item.state for item in listed] == [LinkState.LOCKED, LinkState.EXPIRED, LinkState.VALID]
    assert {item.channel_label for item in listed} == {"Text message"}
    for item in listed:
        assert not hasattr(item, "token_hash") and not hasattr(item, "pin_hmac")


def test_a_revoked_link_shows_the_not_valid_page_with_no_new_link_offer(client, jane, three_links):
    for link, raw in three_links:
        revoke_link(link)
        for response in (client.get(f"/s/{raw}"), client.post(f"/s/{raw}", {"pin": "1234"})):
            page = response.content.decode()
            assert response.status_code == 404 and "This link is not valid" in page
            assert "new-link" not in page and "Riverside" not in page
        assert client.post(f"/s/{raw}/new-link").status_code == 404
    assert not Delivery.objects.exists() and not PortalSession.objects.exists()


def test_an_expired_link_still_offers_a_new_one_until_it_is_revoked(client, jane, three_links):
    _, (expired, raw), _ = three_links
    assert "new-link" in client.get(f"/s/{raw}").content.decode()
    revoke_link(expired)
    assert "new-link" not in client.get(f"/s/{raw}").content.decode()


def test_an_open_portal_session_ends_at_its_next_request(client, pin_link):
    link, raw = pin_link
    signed_in(client, raw)
    assert SECRET_TEXT in client.get("/s/conversation/").content.decode()
    revoke_link(link)
    response = client.get("/s/conversation/")
    assert response.status_code == 403 and SECRET_TEXT not in response.content.decode()
    assert PortalSession.objects.get().ended_at is not None
    assert client.post("/s/conversation/reply", {"body": "hello?"}).status_code == 403
    assert not Message.objects.filter(direction=Direction.INBOUND).exists()


def test_a_renewal_that_lost_the_race_to_revoke_all_sends_nothing(jane, three_links):
    # request_new_link read the link before "revoke all" committed; under the
    # contact lock it must see the revocation and send no new link.
    _, (expired, _), _ = three_links
    revoke_all_links(jane)
    renewal = request_new_link(expired)
    assert not renewal.sent and not Delivery.objects.exists()
    assert SecureLink.objects.filter(contact=jane, revoked_at__isnull=True).count() == 0


def queued_notification(contact, link, key):
    with transaction.atomic():
        return queue_delivery(
            organization=contact.organization,
            contact=contact,
            channel="sms",
            to=contact.phone,
            subject="",
            body=f"Riverside Clinic: a secure message for you {key}",
            idempotency_key=f"revocation:{key}",
            message=link.message,
            link=link,
        )


def test_a_notification_still_queued_with_a_revoked_link_is_held_back(
    jane, three_links, alice, twilio_standin
):
    (valid, _), (expired, _), _ = three_links
    waiting = queued_notification(jane, valid, "waiting")
    other = queued_notification(jane, expired, "other")
    gone = queued_notification(jane, valid, "gone")
    assert send.send_delivery(gone.pk) is True
    assert revoke_link(valid, actor=alice)
    waiting.refresh_from_db()
    assert (waiting.status, waiting.reason) == (
        DeliveryStatus.HELD,
        "the secure link was revoked before it was sent",
    )
    held = Event.objects.get(kind=EventKind.HELD, delivery=waiting)
    assert (held.actor, held.link, held.detail["reason"]) == (alice, valid, waiting.reason)
    # Another link's notification still goes; one already sent stays sent
    # (held never undoes a send).
    assert Delivery.objects.get(pk=other.pk).status == DeliveryStatus.QUEUED
    assert Delivery.objects.get(pk=gone.pk).status == DeliveryStatus.SENT
    # The worker finds nothing to claim: the dead link never reaches Twilio.
    assert send.send_delivery(waiting.pk) is False
    assert [m["body"] for m in twilio_standin.sent] == [gone.body]


def test_revoke_all_holds_back_every_queued_notification_of_the_contact(
    jane, three_links, twilio_standin
):
    deliveries = [queued_notification(jane, link, n) for n, (link, _) in enumerate(three_links)]
    assert revoke_all_links(jane, actor_label="api: Booking system") == 3
    assert set(
        Delivery.objects.filter(pk__in=[d.pk for d in deliveries]).values_list("status", flat=True)
    ) == {DeliveryStatus.HELD}
    assert Event.objects.filter(kind=EventKind.HELD, actor_label="api: Booking system").count() == 3
    assert not any(send.send_delivery(d.pk) for d in deliveries) and twilio_standin.sent == []


def test_a_revocation_that_changes_no_link_holds_nothing(jane, three_links):
    (valid, _), _, _ = three_links
    revoke_link(valid)
    later = queued_notification(jane, valid, "later")  # e.g. a retry queued after the revocation
    assert not revoke_link(valid)
    assert Delivery.objects.get(pk=later.pk).status == DeliveryStatus.QUEUED
    assert not Event.objects.filter(kind=EventKind.HELD).exists()


def test_a_worker_that_claimed_it_first_holds_it_itself(jane, three_links, twilio_standin):
    (valid, _), _, _ = three_links
    delivery = queued_notification(jane, valid, "claimed")
    claimed = lifecycle.claim(delivery.pk)
    assert revoke_link(valid)
    assert (
        Delivery.objects.get(pk=delivery.pk).status == DeliveryStatus.SENDING
    )  # the claim won the row
    assert (
        holds.why_held(Delivery.objects.select_related("contact", "link").get(pk=claimed.pk))
        == "the secure link was revoked before it was sent"
    )
    # A retry queued after the revocation is held by the worker at claim time, never sent.
    Delivery.objects.filter(pk=delivery.pk).update(
        status=DeliveryStatus.QUEUED, next_attempt_at=timezone.now()
    )
    assert send.send_delivery(delivery.pk) is False
    delivery.refresh_from_db()
    assert (delivery.status, delivery.reason) == (
        DeliveryStatus.HELD,
        "the secure link was revoked before it was sent",
    )
    assert twilio_standin.sent == []


@pytest.mark.django_db(transaction=True)
def test_a_claim_committed_while_revocation_waits_on_the_row_wins(
    postgres_only, jane, secret_message
):
    # The worker's claim holds the row (not yet committed) when revocation reads it as queued;
    # revocation's conditional update waits for the claim, then finds it no longer queued.
    link, _ = make_link(jane, secret_message)
    delivery = queued_notification(jane, link, "race")
    claimed, done = threading.Event(), threading.Event()

    def worker():
        try:
            with transaction.atomic():
                assert lifecycle.claim(delivery.pk) is not None
                claimed.set()
                time.sleep(1.0)
        finally:
            connection.close()
            done.set()

    thread = threading.Thread(target=worker)
    thread.start()
    assert claimed.wait(10)
    started = time.monotonic()
    assert revoke_link(link)
    waited = time.monotonic() - started
    thread.join(10)
    assert done.is_set() and waited > 0.5  # it did wait on the worker's row lock
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.SENDING
    assert not Event.objects.filter(kind=EventKind.HELD).exists()
