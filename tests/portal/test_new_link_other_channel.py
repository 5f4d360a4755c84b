"""R12: from an expired or locked page, the new link by the other channel."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
import time_machine

from hushpost.activity.models import Event, EventKind
from hushpost.delivery.models import Delivery
from hushpost.messaging.links import MAX_PIN_ATTEMPTS, check_pin
from hushpost.messaging.models import SecureMessagingSettings
from hushpost.messaging.renewal import PER_LINK_PER_HOUR
from tests.portal.conftest import make_link
from tests.portal.test_new_link import the_new_link

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def secure_messaging_on(org_a):
    settings = SecureMessagingSettings.objects.for_org(org_a)
    settings.enabled = True
    settings.save()


def expired(link):
    return time_machine.travel(link.expires_at + timedelta(minutes=1))


def test_the_expired_page_offers_the_email_on_file_for_a_text_link(client, pin_link):
    link, raw = pin_link
    with expired(link):
        page = client.get(f"/s/{raw}").content.decode()
    assert 'name="channel" value="other"' in page
    assert "Send it by email instead, to j•••@example.com" in page


def test_a_locked_email_link_offers_a_text_instead(client, jane, secret_message):
    link, raw = make_link(jane, secret_message, channel="email")
    for _ in range(MAX_PIN_ATTEMPTS):
        check_pin(link, "0000")
    page = client.get(f"/s/{raw}").content.decode()
    assert "This link is locked" in page
    assert "Send it by text instead, to •••-•••-1234" in page


def test_the_new_link_goes_by_email_and_the_log_says_so(client, jane, pin_link):
    old, raw = pin_link
    with expired(old):
        page = client.post(f"/s/{raw}/new-link", {"channel": "other"}).content.decode()
    assert "A new link is on its way to j•••@example.com." in page
    delivery = Delivery.objects.get()
    assert (delivery.channel, delivery.to) == ("email", "jane@example.com")
    new = the_new_link(delivery)
    assert new.channel == "email" and new.pin_hmac == old.pin_hmac
    old.refresh_from_db()
    assert old.replaced_by == new
    event = Event.objects.get(kind=EventKind.NEW_LINK_OTHER_CHANNEL)
    assert (event.link, event.detail) == (
        old,
        {"channel": "email", "previous_channel": "sms", "previous": "expired"},
    )
    assert not Event.objects.filter(kind=EventKind.NEW_LINK_REQUESTED).exists()


def test_a_contact_with_only_a_phone_is_offered_no_other_channel(client, jane, secret_message):
    jane.email = ""
    jane.save()
    link, raw = make_link(jane, secret_message)
    with expired(link):
        assert 'value="other"' not in client.get(f"/s/{raw}").content.decode()
        page = client.post(f"/s/{raw}/new-link", {"channel": "other"}).content.decode()
    assert "We can't send a new link to the details on file." in html.unescape(page)
    assert not Delivery.objects.exists()


def test_an_opted_out_email_is_not_offered(client, jane, pin_link):
    jane.email_opt_out = True
    jane.save()
    link, raw = pin_link
    with expired(link):
        assert 'value="other"' not in client.get(f"/s/{raw}").content.decode()


def test_both_channels_share_the_same_hourly_limit(client, pin_link):
    link, raw = pin_link
    with expired(link):
        for turn in range(PER_LINK_PER_HOUR):
            channel = {"channel": "other"} if turn % 2 else {}
            assert "on its way" in client.post(f"/s/{raw}/new-link", channel).content.decode()
        page = client.post(f"/s/{raw}/new-link", {"channel": "other"}).content.decode()
    assert "Too many new links were asked for in the last hour." in page
    assert Delivery.objects.count() == PER_LINK_PER_HOUR
