"""Data retention: `hushpost manage purge` and the scheduler's daily step."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
import time_machine
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.utils import timezone

from hushpost.activity.models import Event, EventKind
from hushpost.contacts.models import Contact
from hushpost.delivery.models import Delivery
from hushpost.messaging.compose import NewAttachment, send_message
from hushpost.messaging.conversations import receive_reply
from hushpost.messaging.models import Attachment, Conversation, Message, SecureLink
from hushpost.messaging.retention import PURGE_LOCK, purge_daily
from hushpost.portal.models import PortalSession

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(org_a):
    made = []
    for name, phone in (("Jane Roe", "+14155550100"), ("Sam Poe", "+14155550101")):
        contact = Contact(
            organization=org_a,
            name=name,
            phone=phone,
            email=f"{name.split()[0].lower()}@example.com",
        )
        contact.secure_pin = "4321"
        contact.save()
        made.append(contact)
    return made


def _send(org, alice, contact, body, *, attachment=None):
    result = send_message(
        org,
        contacts=[contact],
        channel="sms",
        secure=True,
        body=body,
        sender=alice,
        attachments=[attachment] if attachment else None,
    )
    return result.outcomes[0]


@pytest.fixture
def history(org_a, alice, people, secure_on):
    """Jane's whole conversation is 100 days old; Sam has an old message and a new one."""
    jane, sam = people
    with time_machine.travel(timezone.now() - timedelta(days=100)):
        old = _send(
            org_a,
            alice,
            jane,
            "old news",
            attachment=NewAttachment("a.txt", "text/plain", b"old bytes"),
        )
        link = SecureLink.objects.get(message=old.message)
        receive_reply(
            link=link, body="old reply", attachment=("r.txt", "text/plain", b"reply bytes")
        )
        _send(org_a, alice, sam, "old for sam")
    new = _send(org_a, alice, sam, "fresh news")
    receive_reply(link=SecureLink.objects.get(message=new.message), body="fresh reply")
    return {"old": old, "new": new}


def _purge(*args) -> str:
    out = StringIO()
    call_command("purge", *args, stdout=out)
    return out.getvalue()


def test_it_deletes_old_content_and_keeps_the_rest_and_the_log(org_a, org_b, people, history):
    jane, sam = people
    events_before = Event.objects.exclude(kind=EventKind.DATA_PURGED).count()

    out = _purge("--older-than-days", "30", "--batch-size", "1")

    assert (
        "Riverside Clinic (riverside): deleted 3 messages, 2 attachments, 2 deliveries, 2 links, "
        "1 conversations" in out
    )
    assert sorted(m.body for m in Message.objects.all()) == ["fresh news", "fresh reply"]
    assert not Attachment.objects.exists()
    assert list(Delivery.objects.values_list("message_id", flat=True)) == [
        history["new"].message.pk
    ]
    assert list(SecureLink.objects.values_list("message_id", flat=True)) == [
        history["new"].message.pk
    ]
    assert not Conversation.objects.filter(contact=jane).exists()
    assert Conversation.objects.get(contact=sam).unread_replies == 1
    assert Contact.objects.count() == 2
    # The activity log keeps every event, now pointing at nothing deleted.
    assert Event.objects.exclude(kind=EventKind.DATA_PURGED).count() == events_before
    event = Event.objects.get(kind=EventKind.DATA_PURGED)
    assert event.organization == org_a and event.actor_label == "system"
    assert {
        k: event.detail[k]
        for k in (
            "messages",
            "attachments",
            "deliveries",
            "links",
            "conversations",
            "older_than_days",
        )
    } == {
        "messages": 3,
        "attachments": 2,
        "deliveries": 2,
        "links": 2,
        "conversations": 1,
        "older_than_days": 30,
    }
    # Running again finds nothing and logs nothing more.
    assert "Nothing older than 30 days." in _purge("--older-than-days", "30")
    assert Event.objects.filter(kind=EventKind.DATA_PURGED).count() == 1


def test_portal_sessions_of_a_purged_link_end(org_a, history):
    link = SecureLink.objects.get(message=history["old"].message)
    PortalSession.objects.create(
        key_hash="0" * 64, organization=org_a, contact=link.contact, link=link
    )
    _purge("--older-than-days", "30")
    assert not PortalSession.objects.exists()


def test_a_dry_run_counts_and_deletes_nothing(history):
    out = _purge("--older-than-days", "30", "--dry-run")
    assert (
        "Riverside Clinic (riverside): would delete 3 messages, 2 attachments, 2 deliveries, "
        "2 links, 1 conversations" in out
    )
    assert Message.objects.count() == 5
    assert not Event.objects.filter(kind=EventKind.DATA_PURGED).exists()


def test_the_period_defaults_to_the_setting(settings, history):
    settings.HUSHPOST_RETENTION_DAYS = 365
    assert "Nothing older than 365 days." in _purge()
    settings.HUSHPOST_RETENTION_DAYS = 0
    with pytest.raises(
        CommandError, match="Give --older-than-days N, or set HUSHPOST_RETENTION_DAYS"
    ):
        _purge()
    with pytest.raises(CommandError, match="at least 1"):
        _purge("--older-than-days", "-3")
    assert Message.objects.count() == 5


def test_the_scheduler_purges_once_a_day_only_when_a_period_is_set(settings, history):
    cache.delete(PURGE_LOCK)
    settings.HUSHPOST_RETENTION_DAYS = 0
    assert purge_daily() == 0 and Message.objects.count() == 5
    settings.HUSHPOST_RETENTION_DAYS = 30
    try:
        assert purge_daily() == 10
        assert Message.objects.count() == 2
        with time_machine.travel(timezone.now() - timedelta(days=200)):
            _send(
                history["new"].message.organization,
                history["new"].message.send.created_by,
                history["new"].message.contact,
                "backdated",
            )
        assert purge_daily() == 0, "a second run the same day does nothing"
        assert Message.objects.count() == 3
    finally:
        cache.delete(PURGE_LOCK)
