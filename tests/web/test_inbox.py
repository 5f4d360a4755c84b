"""The staff inbox: conversations by latest activity with unread replies marked, the
thread, reading it, replying."""

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from hushpost.activity.models import Event, EventKind
from hushpost.contacts.models import Contact
from hushpost.delivery.models import Delivery, DeliveryStatus
from hushpost.messaging.compose import send_message
from hushpost.messaging.conversations import receive_reply
from hushpost.messaging.models import (
    Attachment,
    Conversation,
    Message,
    Origin,
    SecureMessagingSettings,
    Send,
)

pytestmark = pytest.mark.django_db


def contact(org, name, **fields):
    person = Contact(organization=org, name=name, **fields)
    person.save()
    return person


def enable_secure(org):
    settings = SecureMessagingSettings.objects.for_org(org)
    settings.enabled = True
    settings.save()


def secure_message(org, person, sender, body="Your results are ready.", channel="sms"):
    return send_message(
        org, contacts=[person], channel=channel, secure=True, body=body, sender=sender
    ).outcomes[0]


def reply(outcome, body, **kwargs):
    return receive_reply(link=outcome.delivery.link, body=body, **kwargs)


@pytest.fixture
def jane(org_a):
    return contact(org_a, "Jane Roe", phone="+14155550100", email="jane@example.com")


@pytest.fixture
def sam(org_a):
    return contact(org_a, "Sam Poe", phone="+14155550101")


def test_conversations_are_listed_newest_activity_first_with_unread_replies_marked(
    alice_client, org_a, alice, jane, sam
):
    enable_secure(org_a)
    first = secure_message(org_a, jane, alice)
    reply(first, "Thanks!")
    reply(first, "One more question")
    secure_message(org_a, sam, alice)
    Conversation.objects.filter(contact=sam).update(
        last_activity_at=timezone.now() - dt.timedelta(days=1)
    )

    response = alice_client.get("/inbox/")
    html = response.content.decode()
    assert [c.contact.name for c in response.context["page"]] == ["Jane Roe", "Sam Poe"]
    # One count of unread replies, the same in the menu (beside the page and in the
    # phone's menu), the Unread filter and Jane's row.
    assert "2 new replies" in html and html.count('data-unread="2"') == 4
    assert f'href="/inbox/{jane.pk}/"' in html
    # Each row shows the first line of its latest message, and who wrote it.
    assert "One more question" in html and "You:</span> Your results are ready." in html
    unread = alice_client.get("/inbox/?show=unread")
    assert [c.contact.name for c in unread.context["page"]] == ["Jane Roe"]
    # The old link of the unread list still works.
    older = alice_client.get("/inbox/?unread=1")
    assert [c.contact.name for c in older.context["page"]] == ["Jane Roe"]


def test_the_inbox_shows_nothing_of_another_organization(alice_client, org_b, mallory):
    enable_secure(org_b)
    theirs = contact(org_b, "Hidden Person", email="hidden@harbor.example")
    reply(secure_message(org_b, theirs, mallory, channel="email"), "secret reply")
    html = alice_client.get("/inbox/").content.decode()
    assert "Hidden Person" not in html and "No conversations yet" in html


def test_the_inbox_is_paged(alice_client, org_a, alice):
    people = Contact.objects.bulk_create(
        [
            Contact(organization=org_a, name=f"Person {i:03}", email=f"p{i}@x.example")
            for i in range(55)
        ]
    )
    now = timezone.now()
    Conversation.objects.bulk_create(
        [
            Conversation(
                organization=org_a, contact=p, last_activity_at=now - dt.timedelta(minutes=i)
            )
            for i, p in enumerate(people)
        ]
    )
    html = alice_client.get("/inbox/?page=3").content.decode()
    assert "Page 3 of 3" in html and "Person 054" in html and "Person 000" not in html
    assert "?show=open&amp;page=2" in html


def test_the_conversation_shows_the_whole_thread_in_the_organizations_time_zone(
    alice_client, org_a, alice, jane
):
    enable_secure(org_a)
    first = secure_message(org_a, jane, alice, body="Your results are ready.\nCall us.")
    Message.objects.filter(pk=first.message.pk).update(
        created_at=dt.datetime(2026, 1, 15, 17, 5, tzinfo=dt.UTC)
    )
    reply(
        first,
        "Thank you <b>so much</b>",
        attachment=("notes.pdf", "application/pdf", b"%PDF-notes"),
        now=dt.datetime(2026, 1, 15, 18, 30, tzinfo=dt.UTC),
    )

    html = alice_client.get(f"/inbox/{jane.pk}/").content.decode()
    assert "Your results are ready.\nCall us." in html
    assert "Thank you &lt;b&gt;so much&lt;/b&gt;" in html
    # New York, not UTC, and labelled.
    assert "Thu 15 Jan 2026, 12:05 p.m. EST" in html and "Thu 15 Jan 2026, 1:30 p.m. EST" in html
    assert html.index("Your results are ready") < html.index("Thank you")  # oldest first
    assert "Alice Lee" in html and "Secure</span>" in html and ">New</span>" in html
    assert (
        "Queued</span>" in html and "Text message to •••-•••-0100" in html
    )  # the outbound delivery, its number masked
    attachment = Attachment.objects.get()
    assert f'href="/inbox/attachments/{attachment.pk}/"' in html and "notes.pdf" in html


def test_viewing_marks_replies_read_and_logs_the_view(alice_client, org_a, alice, jane):
    enable_secure(org_a)
    reply(secure_message(org_a, jane, alice), "Thanks!")
    assert Conversation.objects.get(contact=jane).unread_replies == 1

    alice_client.get(f"/inbox/{jane.pk}/")
    assert Conversation.objects.get(contact=jane).unread_replies == 0
    assert Message.objects.get(direction="inbound").read_at is not None
    event = Event.objects.get(kind=EventKind.STAFF_VIEWED_CONVERSATION)
    assert event.actor == alice and event.contact == jane
    assert ">New</span>" not in alice_client.get(f"/inbox/{jane.pk}/").content.decode()


def test_a_reply_from_the_inbox_is_a_secure_send_on_the_last_channel(
    alice_client, org_a, alice, jane
):
    enable_secure(org_a)
    secure_message(org_a, jane, alice, channel="email")
    page = alice_client.get(f"/inbox/{jane.pk}/")
    assert page.context["form"]["channel"].value() == "email"

    response = alice_client.post(
        f"/inbox/{jane.pk}/",
        {
            "channel": "email",
            "body": "Here is the form.",
            "attachment": SimpleUploadedFile(
                "form.pdf", b"%PDF-form", content_type="application/pdf"
            ),
        },
    )
    assert response.status_code == 302 and response.url == f"/inbox/{jane.pk}/#latest"
    send = Send.objects.get(origin=Origin.INBOX)
    assert send.secure and send.channel == "email" and send.created_by == alice
    message = Message.objects.get(send=send)
    assert message.body == "Here is the form." and message.attachments.get().data == b"%PDF-form"
    delivery = Delivery.objects.get(message=message)
    assert delivery.status == DeliveryStatus.QUEUED and "Here is the form" not in delivery.body
    assert "is on its way by email" in alice_client.get(response.url).content.decode()


def test_the_default_reply_channel_is_what_the_contact_has(alice_client, org_a):
    only_email = contact(org_a, "Olive Oyl", email="olive@example.com")
    page = alice_client.get(f"/inbox/{only_email.pk}/")
    assert page.context["form"]["channel"].value() == "email"
    assert "Text message (no mobile phone on file)" in page.content.decode()
    assert "No messages with Olive Oyl yet." in page.content.decode()


def test_a_reply_is_refused_clearly_while_secure_messaging_is_off(alice_client, jane):
    page = alice_client.get(f"/inbox/{jane.pk}/").content.decode()
    assert (
        "Secure messaging is off for your organization" in page
        and 'href="/settings/secure-messaging/"' in page
    )
    response = alice_client.post(f"/inbox/{jane.pk}/", {"channel": "sms", "body": "Hello"})
    assert response.status_code == 200
    assert (
        "Secure messaging is off for your organization. An owner or admin can turn it on in "
        "Messaging settings" in response.content.decode()
    )
    assert not Send.objects.exists() and not Delivery.objects.exists()


@pytest.mark.parametrize(
    ("fields", "channel", "reason"),
    [
        ({"email": "olive@example.com"}, "sms", "Not sent: no mobile phone on file."),
        (
            {"phone": "+14155550109", "sms_opt_out": True},
            "sms",
            "Not sent: opted out of text messages.",
        ),
        (
            {"phone": "+14155550109", "email": "olive@example.com", "email_opt_out": True},
            "email",
            "Not sent: opted out of email.",
        ),
    ],
)
def test_a_reply_that_cannot_reach_the_contact_says_why_and_keeps_the_text(
    alice_client, org_a, fields, channel, reason
):
    enable_secure(org_a)
    olive = contact(org_a, "Olive Oyl", **fields)
    response = alice_client.post(
        f"/inbox/{olive.pk}/", {"channel": channel, "body": "Please call us."}
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert [str(e) for e in response.context["form"].errors["channel"]] == [reason]
    assert "Please call us.</textarea>" in html
    assert Delivery.objects.get().status == DeliveryStatus.HELD and not Message.objects.exists()


def test_an_empty_reply_is_refused_at_its_field(alice_client, org_a, jane):
    enable_secure(org_a)
    response = alice_client.post(f"/inbox/{jane.pk}/", {"channel": "sms", "body": "  "})
    assert [str(e) for e in response.context["form"].errors["body"]] == ["Write a message."]
    assert not Send.objects.exists()


def test_staff_download_attachments_of_their_organization_only(
    alice_client, bob_client, org_a, org_b, alice, mallory, jane
):
    enable_secure(org_a)
    enable_secure(org_b)
    reply(
        secure_message(org_a, jane, alice),
        "scan",
        attachment=("scan <1>.png", "image/png", b"\x89PNG-data"),
    )
    ours = Attachment.objects.get()
    response = bob_client.get(f"/inbox/attachments/{ours.pk}/")
    assert response.status_code == 200 and response.content == b"\x89PNG-data"
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-store" in response["Cache-Control"]

    theirs_contact = contact(org_b, "Hidden Person", email="hidden@harbor.example")
    reply(
        secure_message(org_b, theirs_contact, mallory, channel="email"),
        "x",
        attachment=("t.pdf", "application/pdf", b"%PDF"),
    )
    theirs = Attachment.objects.get(organization=org_b)
    assert alice_client.get(f"/inbox/attachments/{theirs.pk}/").status_code == 404
    assert alice_client.get(f"/inbox/{theirs_contact.pk}/").status_code == 404
    assert (
        alice_client.post(
            f"/inbox/{theirs_contact.pk}/", {"channel": "email", "body": "hi"}
        ).status_code
        == 404
    )
    assert not Event.objects.filter(
        kind=EventKind.STAFF_VIEWED_CONVERSATION, organization=org_b
    ).exists()
    assert Send.objects.filter(organization=org_b).count() == 1


def test_an_attachment_with_an_odd_content_type_is_served_as_bytes(
    alice_client, org_a, alice, jane
):
    enable_secure(org_a)
    reply(
        secure_message(org_a, jane, alice),
        "x",
        attachment=("page.html", "text/html\r\nX-Evil: 1", b"<script>1</script>"),
    )
    response = alice_client.get(f"/inbox/attachments/{Attachment.objects.get().pk}/")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment;")
    assert re.search(r'filename="page\.html"', response["Content-Disposition"])
