"""The one send pipeline (compose.make_batch): per recipient the same decisions as ever,
written in bulk, so a batch costs the same statements for 5 recipients as for 60."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hushpost.activity.models import Event, EventKind
from hushpost.contacts.models import Contact
from hushpost.delivery.models import Delivery, DeliveryStatus
from hushpost.messaging.audience import contacts_by_id
from hushpost.messaging.fan_out import queue_send, run_fan_out
from hushpost.messaging.models import Conversation, Message, SecureLink

pytestmark = pytest.mark.django_db


def people(org, count, start=0):
    return Contact.objects.bulk_create(
        Contact(organization=org, name=f"Person {i}", phone=f"+1415555{i:04d}")
        for i in range(start, start + count)
    )


def fanned_out(org, contacts, sender, **extra):
    send = queue_send(
        org,
        contacts_by_id(org, [c.pk for c in contacts]),
        channel="sms",
        secure=extra.pop("secure", True),
        body=extra.pop("body", "Hello {{ contact.first_name }}"),
        sender=sender,
        pin=extra.pop("pin", "4321"),
        **extra,
    )
    with CaptureQueriesContext(connection) as queries:
        run_fan_out(send.pk, batch_size=1000)
    return send, len(queries)


def test_a_batch_costs_the_same_statements_whatever_its_size(org_a, alice, secure_on):
    _, small = fanned_out(org_a, people(org_a, 5), alice)
    _, large = fanned_out(org_a, people(org_a, 60, start=100), alice)
    assert Delivery.objects.filter(status=DeliveryStatus.QUEUED).count() == 65
    assert SecureLink.objects.count() == 65 == Message.objects.count()
    # One event per delivery, saved together; and no statement per recipient.
    assert Event.objects.filter(kind=EventKind.QUEUED).count() == 65
    assert large <= small  # the first fan-out also made a few one-off rows


def test_each_recipient_is_decided_as_alone_held_opted_out_or_sent(org_a, alice, secure_on):
    ok, opted_out, no_phone = people(org_a, 3)
    opted_out.sms_opt_out = True
    opted_out.save()
    no_phone.phone = ""
    no_phone.save()
    send, _ = fanned_out(org_a, [ok, opted_out, no_phone], alice)
    by_contact = {d.contact_id: d for d in Delivery.objects.filter(send=send)}
    assert by_contact[ok.pk].status == DeliveryStatus.QUEUED
    assert by_contact[opted_out.pk].status == DeliveryStatus.HELD
    assert by_contact[opted_out.pk].reason == "opted out of text messages"
    assert by_contact[no_phone.pk].reason == "no mobile phone on file"
    # A held message is never stored in the conversation; the sent one is, with its link.
    assert list(Message.objects.values_list("contact_id", flat=True)) == [ok.pk]
    assert by_contact[ok.pk].link.contact_id == ok.pk
    assert "/s/" in by_contact[ok.pk].body and "Hello" not in by_contact[ok.pk].body
    assert Message.objects.get().body == "Hello Person"
    held = Event.objects.filter(kind=EventKind.HELD).values_list("delivery_id", flat=True)
    assert set(held) == {by_contact[opted_out.pk].pk, by_contact[no_phone.pk].pk}
    # The writer's conversation moved up and is theirs; one conversation per contact.
    conversation = Conversation.objects.get(contact=ok)
    assert conversation.assigned_to == alice
    assert Conversation.objects.count() == 1
