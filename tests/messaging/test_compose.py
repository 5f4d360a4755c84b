"""Compose: one transaction per send, holds with reasons, content never in the notification."""

import pytest

from hushpost.activity.models import Event, EventKind
from hushpost.contacts.models import Contact, CustomField
from hushpost.delivery.models import Delivery, DeliveryStatus, OutboxEntry
from hushpost.messaging.compose import SECURE_OFF, ComposeError, NewAttachment, send_message
from hushpost.messaging.links import find_link, pin_matches
from hushpost.messaging.models import Attachment, Conversation, Message, SecureLink
from tests.worker_run import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "Your biopsy results are benign"


@pytest.fixture
def jane(org_a):
    contact = Contact(
        organization=org_a, name="Jane Roe", phone="+14155550100", email="jane@example.com"
    )
    contact.secure_pin = "4321"
    contact.save()
    return contact


def link_in(text):
    token = text.split("/s/", 1)[1].split()[0].rstrip(".")
    return find_link(token)


def test_a_secure_text_stores_the_message_encrypted_and_sends_only_the_link(
    org_a, alice, jane, secure_on
):
    result = send_message(
        org_a,
        contacts=[jane],
        channel="sms",
        secure=True,
        body=f"{SECRET}, {{{{ contact.first_name }}}}",
        sender=alice,
    )
    [outcome] = result.outcomes
    message = outcome.message
    assert message.body == f"{SECRET}, Jane"
    assert SECRET not in Message.objects.values_list("body_encrypted", flat=True).get(pk=message.pk)
    link = SecureLink.objects.get(message=message)
    assert pin_matches(link, "4321") and link.pin_source == "contact"
    assert Event.objects.filter(kind=EventKind.QUEUED, delivery=outcome.delivery).exists()

    run_worker()
    delivery = Delivery.objects.get(pk=outcome.delivery.pk)
    assert delivery.status in (DeliveryStatus.SENT, DeliveryStatus.DELIVERED)
    entry = OutboxEntry.objects.get(delivery=delivery)
    assert SECRET not in entry.body and "Jane" not in entry.body
    assert entry.body.startswith(
        "You've received a secure message from Alice Lee at Riverside Clinic"
    )
    assert link_in(entry.body) == link
    assert Conversation.objects.get(contact=jane).assigned_to == alice


def test_secure_sends_are_refused_while_secure_messaging_is_off(org_a, alice, jane):
    with pytest.raises(ComposeError) as error:
        send_message(org_a, contacts=[jane], channel="sms", secure=True, body="hi", sender=alice)
    assert error.value.problems["secure"] == [SECURE_OFF]
    assert "Messaging settings" in SECURE_OFF
    assert not Message.objects.exists() and not Delivery.objects.exists()


def test_voice_is_refused_for_secure_sends(org_a, alice, jane, secure_on):
    with pytest.raises(ComposeError) as error:
        send_message(org_a, contacts=[jane], channel="voice", secure=True, body="hi", sender=alice)
    assert "can't be sent by voice" in error.value.problems["channel"][0]


def test_a_plain_voice_message_is_read_to_the_contacts_phone(org_a, alice, jane):
    no_phone = Contact.objects.create(organization=org_a, name="No Phone", email="np@example.com")
    result = send_message(
        org_a,
        contacts=[jane, no_phone],
        channel="voice",
        secure=False,
        body="Your appointment is at 3pm, {{ contact.first_name }}",
        sender=alice,
    )
    outcomes = {o.contact.name: (o.status, o.reason) for o in result.outcomes}
    assert outcomes == {"Jane Roe": ("queued", ""), "No Phone": ("held", "no phone number on file")}
    run_worker()
    entry = OutboxEntry.objects.get(delivery=result.outcomes[0].delivery)
    assert (entry.channel, entry.to, entry.body) == (
        "voice",
        jane.phone,
        "Your appointment is at 3pm, Jane",
    )
    assert not SecureLink.objects.exists()


def test_a_voice_call_carries_no_files(org_a, alice, jane):
    with pytest.raises(ComposeError) as error:
        send_message(
            org_a,
            contacts=[jane],
            channel="voice",
            secure=False,
            body="hi",
            sender=alice,
            attachments=[NewAttachment("a.txt", "text/plain", b"x")],
        )
    assert "voice call can't carry files" in error.value.problems["attachments"][0]


def test_unreachable_recipients_are_held_with_the_reason_and_the_others_go(
    org_a, alice, jane, secure_on
):
    CustomField.objects.create(organization=org_a, key="portal_pin", label="Portal PIN")
    secure_on.default_pin = "{{ custom.portal_pin }}"
    secure_on.save()
    no_phone = Contact.objects.create(organization=org_a, name="No Phone", email="np@example.com")
    opted_out = Contact.objects.create(
        organization=org_a, name="Opted Out", phone="+14155550101", sms_opt_out=True
    )
    no_pin = Contact.objects.create(organization=org_a, name="No Pin", phone="+14155550102")
    result = send_message(
        org_a,
        contacts=[jane, no_phone, opted_out, no_pin],
        channel="sms",
        secure=True,
        body=SECRET,
        sender=alice,
    )
    outcomes = {o.contact.name: (o.status, o.reason) for o in result.outcomes}
    assert outcomes["Jane Roe"] == ("queued", "")
    assert outcomes["No Phone"] == ("held", "no mobile phone on file")
    assert outcomes["Opted Out"] == ("held", "opted out of text messages")
    assert (
        outcomes["No Pin"][0] == "held"
        and "{{ custom.portal_pin }} is empty" in outcomes["No Pin"][1]
    )
    # Held messages are not stored where a later link could show them unprotected.
    assert Message.objects.count() == 1
    assert Event.objects.filter(kind=EventKind.HELD).count() == 3


def test_a_message_pin_wins_and_attachments_are_encrypted(org_a, alice, jane, secure_on):
    pdf = NewAttachment("results.pdf", "application/pdf", b"%PDF-1.4 " + SECRET.encode())
    result = send_message(
        org_a,
        contacts=[jane],
        channel="email",
        secure=True,
        body=SECRET,
        pin="zz99",
        attachments=[pdf],
        sender=alice,
    )
    message = result.outcomes[0].message
    link = SecureLink.objects.get(message=message)
    assert pin_matches(link, "ZZ99") and not pin_matches(link, "4321")
    attachment = Attachment.objects.get(message=message)
    assert attachment.data == pdf.data
    assert SECRET.encode() not in attachment.data_encrypted.encode()


def test_a_plain_text_carries_the_message_itself(org_a, alice, jane):
    result = send_message(
        org_a,
        contacts=[jane],
        channel="sms",
        secure=False,
        body="See you at 3pm, {{ contact.first_name }}",
        sender=alice,
    )
    run_worker()
    assert (
        OutboxEntry.objects.get(delivery=result.outcomes[0].delivery).body == "See you at 3pm, Jane"
    )
    assert not SecureLink.objects.exists()


@pytest.mark.parametrize(
    "kwargs, field, text",
    [
        ({"body": ""}, "body", "Write a message."),
        ({"body": "{{ contact.nme }}"}, "body", "unknown field contact.nme"),
        ({"channel": "email", "subject": ""}, "subject", "An email needs a subject."),
        (
            {"attachments": [NewAttachment("a.txt", "text/plain", b"x")]},
            "attachments",
            "can't carry files",
        ),
    ],
)
def test_a_refused_send_says_which_field_and_stores_nothing(
    org_a, alice, jane, kwargs, field, text
):
    arguments = {
        "contacts": [jane],
        "channel": "sms",
        "secure": False,
        "body": "Hello",
        "sender": alice,
    } | kwargs
    with pytest.raises(ComposeError) as error:
        send_message(org_a, **arguments)
    assert any(text in message for message in error.value.problems[field])
    assert not Message.objects.exists() and not Delivery.objects.exists()


def test_a_plain_email_carries_its_files_and_a_secure_one_never_does(
    org_a, alice, jane, secure_on, smtp_server
):
    import email

    pdf = NewAttachment("letter.pdf", "application/pdf", b"%PDF-1.4 " + SECRET.encode())
    send_message(
        org_a,
        contacts=[jane],
        channel="email",
        secure=False,
        subject="Your letter",
        body="Attached.",
        attachments=[pdf],
        sender=alice,
    )
    send_message(
        org_a,
        contacts=[jane],
        channel="email",
        secure=True,
        body=SECRET,
        attachments=[pdf],
        sender=alice,
    )
    run_worker()
    plain, secure = sorted(smtp_server.messages, key=lambda e: b"Your letter" not in e.content)
    parts = {
        part.get_filename(): part.get_payload(decode=True)
        for part in email.message_from_bytes(plain.content).walk()
        if part.get_filename()
    }
    assert parts == {"letter.pdf": pdf.data}
    assert b"letter.pdf" not in secure.content and SECRET.encode() not in secure.content


def test_recipients_bring_their_own_fields_and_one_contact_can_appear_twice(org_a, alice, jane):
    from hushpost.messaging.compose import Recipient

    recipients = [
        Recipient(jane, {"appointment": {"start_time": "Mon 9:00"}}, label="a1"),
        Recipient(jane, {"appointment": {"start_time": "Fri 14:30"}}, label="a2"),
    ]
    result = send_message(
        org_a,
        recipients=recipients,
        extra_fields={"appointment": frozenset({"start_time"})},
        channel="sms",
        secure=False,
        body="See you {{ appointment.start_time }}",
        sender=alice,
    )
    assert sorted(o.message.body for o in result.outcomes) == [
        "See you Fri 14:30",
        "See you Mon 9:00",
    ]
    assert len({o.delivery.pk for o in result.outcomes}) == 2
    with pytest.raises(ComposeError, match=r"unknown field appointment\.start_time"):
        send_message(
            org_a,
            contacts=[jane],
            channel="sms",
            secure=False,
            body="{{ appointment.start_time }}",
            sender=alice,
        )
