"""Records people can read: events in sentences with staff names and masked
addresses, technical details folded away, the same sentence in the CSV."""

import pytest

from hushpost.activity.log import record
from hushpost.activity.models import Event, EventKind
from hushpost.delivery.models import Delivery, DeliveryStatus
from hushpost.web.event_sentences import describe_events, field_names, prepare
from tests.api.helpers import make_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def jane(org_a):
    return make_contact(org_a, "Jane Roe", phone="+14155551234", email="jane@example.com")


def sentences(org, **kwargs):
    events = prepare(Event.objects.for_org(org).order_by("id"))
    return [line.text for line in describe_events(events, **kwargs)]


def delivery(org, contact, channel="sms", to="+14155551234", **fields):
    return Delivery.objects.create(
        organization=org,
        contact=contact,
        channel=channel,
        to=to,
        idempotency_key=f"k-{Delivery.objects.count()}",
        **fields,
    )


def test_the_examples_of_the_issue(org_a, alice, jane):
    record(org_a, EventKind.STAFF_VIEWED_CONVERSATION, contact=jane, actor=alice)
    sent = delivery(org_a, jane)
    record(org_a, EventKind.DELIVERED, contact=jane, delivery=sent, channel="sms", attempt=1)
    assert sentences(org_a) == [
        "Alice Lee viewed the conversation with Jane Roe",
        "Text to Jane Roe at •••-•••-1234 delivered",
    ]
    # On the contact's own page the contact goes without saying.
    assert sentences(org_a, show_contact=False)[1] == "Text to •••-•••-1234 delivered"


def test_the_lifecycle_of_an_email_with_reasons_and_masked_addresses(org_a, jane):
    email = delivery(org_a, jane, "email", "jane@example.com", reason="mailbox full")
    record(org_a, EventKind.QUEUED, contact=jane, delivery=email, actor_label="api: Booking")
    record(org_a, EventKind.EMAIL_OPENED, contact=jane, delivery=email)
    record(org_a, EventKind.FAILED, contact=jane, delivery=email, attempt=3)
    held = delivery(org_a, jane, "sms", "", status=DeliveryStatus.HELD, reason="opted out")
    record(org_a, EventKind.HELD, contact=jane, delivery=held)
    texts = sentences(org_a)
    assert texts == [
        "Email to Jane Roe at j•••@example.com queued by The API key “Booking”",
        "Email to Jane Roe at j•••@example.com opened",
        "Email to Jane Roe at j•••@example.com failed: mailbox full",
        "Text to Jane Roe held back: opted out",
    ]
    assert "jane@example.com" not in str(texts)


def test_what_contacts_and_staff_did(org_a, alice, bob, jane):
    record(org_a, EventKind.PIN_WRONG, contact=jane, actor_label="contact", attempt=2)
    record(org_a, EventKind.REPLY_RECEIVED, contact=jane, actor_label="contact", attachment=True)
    record(
        org_a,
        EventKind.REPLY_RECEIVED,
        contact=jane,
        actor_label="contact",
        outside_secure_page=True,
    )
    record(org_a, EventKind.CONVERSATION_ASSIGNED, contact=jane, actor=alice, to="Bob Stone")
    record(org_a, EventKind.CONVERSATION_DONE, contact=jane, actor=bob)
    record(
        org_a,
        EventKind.SENSITIVE_VALUE_REVEALED,
        contact=jane,
        actor=bob,
        value="the secure PIN",
        via="contact page",
    )
    record(org_a, EventKind.CONTACT_UPDATED, contact=jane, actor=alice, fields="phone, sms_opt_out")
    assert sentences(org_a) == [
        "Jane Roe entered a wrong PIN",
        "Jane Roe replied on the secure page with an attachment",
        "Jane Roe replied by text, outside the secure page",
        "Alice Lee assigned the conversation with Jane Roe to Bob Stone",
        "Bob Stone marked the conversation with Jane Roe done",
        "Bob Stone revealed the secure PIN of Jane Roe",
        "Alice Lee changed the phone and sms opt out of Jane Roe",
    ]


def test_staff_named_by_email_in_older_events_are_named_by_name(org_a, alice, mallory, jane):
    record(org_a, EventKind.QUEUED, contact=jane, actor_label=alice.email)
    # Someone of another organization is never looked up: the label stays as it was.
    record(org_a, EventKind.QUEUED, contact=jane, actor_label=mallory.email)
    assert sentences(org_a) == [
        "Message to Jane Roe queued by Alice Lee",
        "Message to Jane Roe queued by mallory@harbor.example",
    ]


def test_a_send_to_the_development_outbox_says_so(org_a, jane):
    sent = delivery(org_a, jane)
    record(org_a, EventKind.SENT, contact=jane, delivery=sent, channel="sms", provider="outbox")
    assert sentences(org_a) == ["Text to Jane Roe at •••-•••-1234 put in the development outbox"]


def test_technical_details_are_folded_and_the_address_only_for_owners(org_a, alice, jane):
    sent = delivery(org_a, jane)
    record(
        org_a,
        EventKind.SENT,
        contact=jane,
        delivery=sent,
        channel="sms",
        attempt=2,
        provider="twilio",
        provider_id="SM9",
    )
    record(org_a, EventKind.SIGNED_IN, actor=alice, ip="203.0.113.7")
    sent_line, signed_in = describe_events(prepare(Event.objects.order_by("id")), with_ip=False)
    assert sent_line.text == "Text to Jane Roe at •••-•••-1234 sent"
    assert sent_line.details == [
        ("Attempt", "2"),
        ("Provider", "twilio"),
        ("Provider's id", "SM9"),
    ]
    assert signed_in.details == []
    _, for_owner = describe_events(prepare(Event.objects.order_by("id")), with_ip=True)
    assert for_owner.details == [("From address", "203.0.113.7")]


def test_an_event_missing_what_its_sentence_needs_still_reads(org_a, jane):
    record(org_a, EventKind.CONTACTS_IMPORTED, contact=jane)
    record(org_a, EventKind.DATA_PURGED)
    assert sentences(org_a) == [
        "Contacts imported · Hushpost · Jane Roe",
        "Old data purged · Hushpost",
    ]


def test_values_are_escaped_in_the_html_and_contacts_linked(org_a, alice):
    evil = make_contact(org_a, "<b>Evil</b> {x}", email="e@example.com")
    record(org_a, EventKind.CONTACT_CREATED, contact=evil, actor=alice)
    line = describe_events(prepare(Event.objects.all()))[0]
    assert line.text == "Alice Lee added <b>Evil</b> {x}"
    assert line.html == (
        f'Alice Lee added <a href="/contacts/{evil.pk}/">&lt;b&gt;Evil&lt;/b&gt; {{x}}</a>'
    )


def test_field_names_read_as_words():
    assert field_names("email") == "email"
    assert field_names("email, custom.portal_pin, sms_opt_out") == (
        "email, portal pin and sms opt out"
    )


def test_the_csv_carries_the_sentence(alice_client, org_a, alice, jane):
    record(org_a, EventKind.STAFF_VIEWED_CONVERSATION, contact=jane, actor=alice)
    response = alice_client.get("/activity/export.csv")
    text = b"".join(response.streaming_content).decode()
    assert "Alice Lee viewed the conversation with Jane Roe" in text


def test_settings_of_every_page_say_which(org_a, alice):
    record(org_a, EventKind.SETTINGS_CHANGED, actor=alice, section="webhooks", change="created")
    record(
        org_a, EventKind.SETTINGS_CHANGED, actor=alice, section="webhooks", change="secret rotated"
    )
    record(
        org_a,
        EventKind.SETTINGS_CHANGED,
        actor_label="system",
        section="webhooks",
        change="turned off after 5 days of failures",
    )
    record(org_a, EventKind.SETTINGS_CHANGED, actor=alice, settings="organization", fields="name")
    record(org_a, EventKind.SETTINGS_CHANGED, actor=alice, setting="require_two_factor", value=True)
    record(
        org_a, EventKind.SETTINGS_CHANGED, actor=alice, section="auto messages", change="deleted"
    )
    assert sentences(org_a) == [
        "Alice Lee added a webhook endpoint",
        "Alice Lee rotated the secret of a webhook endpoint",
        "A webhook endpoint was turned off after 5 days of failures",
        "Alice Lee changed the organization's name",
        "Alice Lee required two-factor sign-in for everyone",
        "Alice Lee deleted an auto message",
    ]


def test_a_scanner_a_person_an_unlock_and_a_new_link_by_the_other_channel(org_a, alice, jane):
    record(org_a, EventKind.LINK_PREFETCHED, contact=jane, reason="scanner_user_agent")
    record(org_a, EventKind.LINK_PREFETCHED, contact=jane, reason="no_follow_up")
    record(org_a, EventKind.LINK_CLICKED, contact=jane, actor_label="contact")
    record(org_a, EventKind.LINK_UNLOCKED, contact=jane, actor=alice, reason="Called, ID checked")
    record(org_a, EventKind.NEW_LINK_OTHER_CHANNEL, contact=jane, channel="email")
    assert sentences(org_a) == [
        "A mail scanner or link preview fetched the secure link of Jane Roe "
        "(a known scanner or preview)",
        "A mail scanner or link preview fetched the secure link of Jane Roe "
        "(no PIN or button followed)",
        "Jane Roe opened the secure link (a person, not a scanner)",
        "Alice Lee unlocked a secure link of Jane Roe: “Called, ID checked”",
        "Jane Roe asked for a new link by email",
    ]
