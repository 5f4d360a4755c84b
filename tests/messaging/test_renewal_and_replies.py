from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from hushpost.activity.models import Event, EventKind
from hushpost.contacts.models import Contact
from hushpost.delivery.models import Delivery, DeliveryStatus
from hushpost.messaging.conversations import mark_read, receive_reply, reply_recipients, thread
from hushpost.messaging.links import check_pin, create_link, find_link, pin_matches
from hushpost.messaging.models import Conversation, Message, SecureMessagingSettings
from hushpost.messaging.renewal import PER_LINK_PER_HOUR, request_new_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def jane(org_a):
    settings = SecureMessagingSettings.objects.for_org(org_a)
    settings.enabled = True
    settings.save()
    return Contact.objects.create(
        organization=org_a, name="Jane Roe", phone="+14155551234", email="jane@example.com"
    )


def expired_link(contact, channel="sms"):
    link, _ = create_link(
        contact=contact,
        message=None,
        channel=channel,
        lifetime=timedelta(hours=24),
        pin="4321",
        pin_source="contact",
        now=timezone.now() - timedelta(days=2),
    )
    return link


def test_an_expired_link_sends_a_new_one_the_same_way_with_the_same_pin(jane):
    old = expired_link(jane)
    renewal = request_new_link(old)
    assert renewal.sent and renewal.destination == "•••-•••-1234"
    delivery = Delivery.objects.get(link__isnull=False, status=DeliveryStatus.QUEUED)
    assert delivery.to == "+14155551234" and delivery.channel == "sms"
    new = find_link(delivery.body.split("/s/")[1].split()[0])
    assert new == delivery.link and new != old and pin_matches(new, "4321")
    old.refresh_from_db()
    assert old.replaced_by == new
    assert Event.objects.filter(kind=EventKind.NEW_LINK_REQUESTED, link=old).count() == 1


def test_an_email_link_is_renewed_by_email_to_the_address_on_file(jane):
    renewal = request_new_link(expired_link(jane, channel="email"))
    assert renewal.destination == "j•••@example.com"
    assert Delivery.objects.get().to == "jane@example.com"


def test_a_locked_link_can_be_renewed(jane):
    link, _ = create_link(
        contact=jane, message=None, channel="sms", lifetime=timedelta(hours=24), pin="4321"
    )
    for _ in range(5):
        check_pin(link, "0000")
    link.refresh_from_db()
    assert request_new_link(link).sent


def test_a_working_link_is_not_renewed(jane):
    link, _ = create_link(contact=jane, message=None, channel="sms", lifetime=timedelta(hours=24))
    assert not request_new_link(link).sent
    assert not Delivery.objects.exists()


def test_new_links_are_rate_limited_per_link(jane):
    old = expired_link(jane)
    results = [request_new_link(old) for _ in range(PER_LINK_PER_HOUR + 1)]
    assert [r.sent for r in results] == [True] * PER_LINK_PER_HOUR + [False]
    assert "Too many" in results[-1].refusal
    assert Delivery.objects.count() == PER_LINK_PER_HOUR
    with time_machine.travel(timezone.now() + timedelta(hours=1, minutes=1)):
        assert request_new_link(old).sent


def test_no_new_link_goes_to_a_contact_who_opted_out(jane):
    old = expired_link(jane)
    jane.sms_opt_out = True
    jane.save()
    assert not request_new_link(old).sent
    assert not Delivery.objects.exists()


def test_a_reply_is_stored_encrypted_unread_and_logged(jane, alice):
    link, _ = create_link(contact=jane, message=None, channel="sms", lifetime=timedelta(hours=24))
    reply = receive_reply(
        link=link, body="Thank you, see you Tuesday", attachment=("id.png", "image/png", b"\x89PNG")
    )
    assert "Tuesday" not in Message.objects.values_list("body_encrypted", flat=True).get(
        pk=reply.pk
    )
    conversation = Conversation.objects.get(contact=jane)
    assert conversation.unread_replies == 1
    assert list(thread(jane)) == [reply] and reply.attachments.get().data == b"\x89PNG"
    assert Event.objects.get(kind=EventKind.REPLY_RECEIVED).message == reply

    mark_read(conversation, user=alice)
    conversation.refresh_from_db()
    reply.refresh_from_db()
    assert conversation.unread_replies == 0 and reply.read_at is not None
    assert Event.objects.get(kind=EventKind.STAFF_VIEWED_CONVERSATION).actor == alice


def test_replies_notify_the_assigned_staff_or_else_the_admins(jane, alice, bob):
    conversation = Conversation.objects.create(organization=jane.organization, contact=jane)
    assert reply_recipients(conversation) == [alice.email]  # alice owns the organization
    conversation.assigned_to = bob
    assert reply_recipients(conversation) == [bob.email]


def test_staff_hear_of_a_reply_by_an_email_that_quotes_nothing(
    jane, alice, smtp_server, django_capture_on_commit_callbacks
):
    import email

    link, _ = create_link(contact=jane, message=None, channel="sms", lifetime=timedelta(hours=24))
    with django_capture_on_commit_callbacks(execute=True):
        receive_reply(link=link, body="My results worry me")
    [envelope] = smtp_server.messages
    assert envelope.rcpt_tos == [alice.email]
    text = email.message_from_bytes(envelope.content).get_payload(decode=True).decode()
    assert f"/inbox/{jane.pk}/" in text
    assert "worry" not in text and "Jane" not in text


def test_a_mail_server_that_is_down_does_not_lose_the_reply(
    jane, alice, settings, django_capture_on_commit_callbacks, caplog
):
    from tests.conftest import free_port

    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 2},
        }
    }
    link, _ = create_link(contact=jane, message=None, channel="sms", lifetime=timedelta(hours=24))
    with django_capture_on_commit_callbacks(execute=True):
        reply = receive_reply(link=link, body="Hello?")
    assert Message.objects.filter(pk=reply.pk).exists()
    assert "could not email staff about a reply" in caplog.text
