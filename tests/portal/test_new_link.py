"""POST /s/<token>/new-link from an expired or locked link (R6.3, R6.4)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine

from hushpost.activity.models import Event, EventKind
from hushpost.delivery.models import Delivery, DeliveryStatus
from hushpost.messaging.links import MAX_PIN_ATTEMPTS, check_pin, find_link, revoke_links
from hushpost.messaging.models import SecureMessagingSettings
from tests.portal.conftest import make_link

pytestmark = pytest.mark.django_db

LINK_IN_BODY = re.compile(r"/s/([A-Za-z0-9_-]{40,64})")


@pytest.fixture(autouse=True)
def secure_messaging_on(org_a):
    settings = SecureMessagingSettings.objects.for_org(org_a)
    settings.enabled = True
    settings.save()


def the_new_link(delivery: Delivery):
    return find_link(LINK_IN_BODY.search(delivery.body).group(1))


def test_an_expired_link_sends_a_new_one_to_the_phone_on_file(client, jane, pin_link):
    old, raw = pin_link
    with time_machine.travel(old.expires_at + timedelta(minutes=1)):
        response = client.post(f"/s/{raw}/new-link", {"phone": "+15555550000"})
    assert response.status_code == 200
    assert "A new link is on its way to •••-•••-1234." in response.content.decode()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.channel, delivery.to) == (
        DeliveryStatus.QUEUED,
        "sms",
        jane.phone,
    )
    new = the_new_link(delivery)
    assert new is not None and new != old and new.contact == jane
    assert new.pin_hmac == old.pin_hmac  # the same PIN still opens it
    old.refresh_from_db()
    assert old.replaced_by == new
    assert Event.objects.filter(kind=EventKind.NEW_LINK_REQUESTED, link=old).count() == 1
    assert raw not in delivery.body


def test_an_email_link_is_renewed_by_email(client, jane, secret_message):
    old, raw = make_link(jane, secret_message, channel="email", lifetime=timedelta(seconds=1))
    with time_machine.travel(old.expires_at + timedelta(minutes=1)):
        page = client.post(f"/s/{raw}/new-link").content.decode()
    assert "A new link is on its way to j•••@example.com." in page
    delivery = Delivery.objects.get()
    assert (delivery.channel, delivery.to) == ("email", "jane@example.com")
    assert the_new_link(delivery).channel == "email"


def test_a_locked_link_offers_the_same_new_link(client, jane, pin_link):
    old, raw = pin_link
    for _ in range(MAX_PIN_ATTEMPTS):
        check_pin(old, "0000")
    page = client.post(f"/s/{raw}/new-link").content.decode()
    assert "A new link is on its way to •••-•••-1234." in page
    assert Delivery.objects.get().to == jane.phone


def test_new_links_are_rate_limited_per_link(client, pin_link):
    old, raw = pin_link
    with time_machine.travel(old.expires_at + timedelta(minutes=1)):
        for _ in range(3):
            assert "on its way" in client.post(f"/s/{raw}/new-link").content.decode()
        page = client.post(f"/s/{raw}/new-link").content.decode()
    assert "We couldn't send a new link" in page and "Too many new links" in page
    assert Delivery.objects.count() == 3


def test_a_link_that_still_works_gets_no_new_one(client, pin_link):
    page = client.post(f"/s/{pin_link[1]}/new-link").content.decode()
    assert "This link still works." in page
    assert not Delivery.objects.exists()


def test_a_contact_without_a_phone_on_file_is_told_to_get_in_touch(client, jane, pin_link):
    jane.phone = ""
    jane.save()
    old, raw = pin_link
    with time_machine.travel(old.expires_at + timedelta(minutes=1)):
        page = client.post(f"/s/{raw}/new-link").content.decode()
    assert "contact us directly" in page and not Delivery.objects.exists()


def test_a_revoked_or_unknown_link_gets_the_not_valid_page(client, jane, pin_link):
    revoke_links(jane, link=pin_link[0])
    for token in (pin_link[1], "B" * 43):
        response = client.post(f"/s/{token}/new-link")
        assert response.status_code == 404 and "This link is not valid" in response.content.decode()
    assert not Delivery.objects.exists()


def test_a_get_never_sends_a_new_link(client, pin_link):
    old, raw = pin_link
    with time_machine.travel(old.expires_at + timedelta(minutes=1)):
        assert client.get(f"/s/{raw}/new-link").status_code == 405
    assert not Delivery.objects.exists()
