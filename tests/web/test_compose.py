"""Compose (R4): recipients, validation at the fields, secure and plain sends, held-back
recipients, the result page."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hushpost.activity.models import Event, EventKind
from hushpost.contacts.models import Contact, CustomField
from hushpost.delivery.models import Delivery, DeliveryStatus
from hushpost.messaging.compose import SECURE_OFF, send_message
from hushpost.messaging.models import (
    Attachment,
    Message,
    Origin,
    SecureLink,
    SecureMessagingSettings,
    Send,
)

pytestmark = pytest.mark.django_db

URL = "/compose/"


def contact(org, name, **fields):
    pin = fields.pop("secure_pin", "")
    person = Contact(organization=org, name=name, **fields)
    person.secure_pin = pin
    person.save()
    return person


def enable_secure(org, **changes):
    settings = SecureMessagingSettings.objects.for_org(org)
    settings.enabled = True
    for name, value in changes.items():
        setattr(settings, name, value)
    settings.save()
    return settings


def post(client, contacts, **fields):
    data = {
        "contacts": [str(c.pk) for c in contacts],
        "channel": "sms",
        "body": "Your results are ready.",
        "subject": "",
        "pin": "",
        "action": "send",
        **fields,
    }
    return client.post(URL, data)


def errors(response, name):
    return [str(e) for e in response.context["form"].errors.get(name, [])]


@pytest.fixture
def jane(org_a):
    return contact(org_a, "Jane Roe", phone="+14155550100", email="jane@example.com")


@pytest.fixture
def sam(org_a):
    return contact(org_a, "Sam Poe", email="sam@example.com")


def test_the_page_lists_the_organizations_contacts_and_preselects_from_the_url(
    alice_client, jane, sam, org_b
):
    theirs = contact(org_b, "Hidden Person", email="hidden@harbor.example")
    response = alice_client.get(f"{URL}?contacts={sam.pk}&contacts={theirs.pk}&contacts=nonsense")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Jane Roe" in html and "Hidden Person" not in html
    assert [c.name for c in response.context["chosen"]] == ["Sam Poe"]
    assert re.search(rf'value="{sam.pk}"\s+checked', html)
    assert not re.search(rf'value="{jane.pk}"\s+checked', html)
    for label in (
        "Text message",
        "Email",
        "Voice call",
        "Send securely",
        "Message PIN",
        "Subject",
        "Attachments",
        "Fields you can use",
        "{{ contact.first_name }}",
    ):
        assert label in html


def test_the_contact_page_links_to_compose_and_to_the_conversation(alice_client, jane):
    html = alice_client.get(f"/contacts/{jane.pk}/").content.decode()
    assert f'href="/compose/?contacts={jane.pk}"' in html and "Send a message" in html
    assert f'href="/inbox/{jane.pk}/"' in html and "Conversation" in html


def test_the_search_keeps_what_was_typed_and_the_chosen_contacts(alice_client, jane, sam, org_a):
    contact(org_a, "Olive Oyl", email="olive@example.com")
    response = alice_client.post(
        URL,
        {
            "contacts": [str(jane.pk)],
            "q": "oyl",
            "channel": "email",
            "subject": "Hello",
            "body": "Typed {{ contact.nmae }}",
            "action": "search",
        },
    )
    html = response.content.decode()
    assert response.status_code == 200 and not response.context["form"].errors
    assert [c.name for c in response.context["chosen"]] == ["Jane Roe"]
    assert [c.name for c in response.context["contacts_page"]] == ["Olive Oyl"]
    assert "Typed {{ contact.nmae }}" in html and 'value="Hello"' in html
    assert not Send.objects.exists()


def test_the_contact_list_is_paged(alice_client, org_a):
    Contact.objects.bulk_create(
        [
            Contact(organization=org_a, name=f"Person {i:03}", email=f"p{i}@x.example")
            for i in range(45)
        ]
    )
    first = alice_client.get(URL)
    third = alice_client.post(URL, {"contact_page": "3", "body": "kept"})
    assert [c.name for c in first.context["contacts_page"]][::19] == ["Person 000", "Person 019"]
    assert (
        "1–20 of 45" in first.content.decode()
        and 'name="contact_page" value="2"' in first.content.decode()
    )
    assert [c.name for c in third.context["contacts_page"]] == [
        f"Person {i:03}" for i in range(40, 45)
    ]
    assert "kept</textarea>" in third.content.decode() and not third.context["form"].errors


def test_errors_are_shown_at_their_fields_and_nothing_is_sent(alice_client, jane):
    response = post(
        alice_client,
        [],
        channel="email",
        subject="About {{ contact.nmae }}",
        body="",
        pin="12 34!",
        secure="on",
    )
    assert response.status_code == 200
    assert errors(response, "contacts") == ["Choose at least one contact."]
    assert errors(response, "body") == ["Write a message."]
    assert "unknown field contact.nmae (did you mean contact.name?)" in " ".join(
        errors(response, "subject")
    )
    assert errors(response, "pin") == [
        "A PIN is letters and digits only, with no spaces or symbols."
    ]
    assert SECURE_OFF in errors(response, "secure")
    html = response.content.decode()
    assert 'value="About {{ contact.nmae }}"' in html  # typed values are kept
    assert 'aria-invalid="true"' in html
    assert (
        not Send.objects.exists() and not Delivery.objects.exists() and not Message.objects.exists()
    )


def test_an_unknown_field_in_the_body_is_reported_by_line_and_name(alice_client, jane):
    response = post(alice_client, [jane], body="Hello\n{{ custom.no_such_field }}")
    assert errors(response, "body") == ["Line 2, column 4: unknown field custom.no_such_field"]
    assert not Send.objects.exists()


def test_secure_sends_are_refused_while_secure_messaging_is_off_with_a_link_to_the_settings(
    alice_client, jane
):
    page = alice_client.get(URL).content.decode()
    assert (
        "Secure messaging is off for your organization." in page
        and 'href="/settings/secure-messaging/"' in page
    )
    response = post(alice_client, [jane], secure="on")
    assert errors(response, "secure") == [SECURE_OFF]
    assert "Messaging settings" in SECURE_OFF
    assert not Delivery.objects.exists()


def test_voice_is_refused_for_a_secure_send(alice_client, jane, org_a):
    enable_secure(org_a)
    response = post(alice_client, [jane], channel="voice", secure="on")
    assert errors(response, "channel") == [
        "Secure messages can't be sent by voice call; choose text or email."
    ]
    assert not Send.objects.exists()


def test_a_pin_without_send_securely_is_refused(alice_client, jane):
    response = post(alice_client, [jane], pin="2468")
    assert "A PIN protects secure messages only" in errors(response, "pin")[0]


def test_held_back_recipients_are_shown_with_their_reasons_while_the_others_are_queued(
    alice_client, org_a, jane, sam
):
    CustomField.objects.create(organization=org_a, key="dob_pin", label="PIN field")
    enable_secure(org_a, default_pin="{{ custom.dob_pin }}")
    jane.custom = {"dob_pin": "1980"}
    jane.save()
    olive = contact(org_a, "Olive Oyl", phone="+14155550101", sms_opt_out=True)
    pat = contact(org_a, "Pat Lee", phone="+14155550102")  # no value for the PIN template
    response = post(alice_client, [jane, sam, olive, pat], secure="on")

    send = Send.objects.get()
    assert response.status_code == 302 and response.url == f"/sends/{send.pk}/"
    assert (
        send.origin == Origin.COMPOSE
        and send.secure
        and send.created_by.email == "alice@riverside.example"
    )
    statuses = {d.contact.name: (d.status, d.reason) for d in Delivery.objects.all()}
    assert statuses["Jane Roe"] == (DeliveryStatus.QUEUED, "")
    assert statuses["Sam Poe"] == (DeliveryStatus.HELD, "no mobile phone on file")
    assert statuses["Olive Oyl"] == (DeliveryStatus.HELD, "opted out of text messages")
    assert (
        statuses["Pat Lee"][0] == DeliveryStatus.HELD
        and "is empty for this contact" in statuses["Pat Lee"][1]
    )

    page = alice_client.get(response.url)
    html = page.content.decode()
    assert '<meta http-equiv="refresh" content="3">' in html  # Jane's is still queued
    assert "1 queued, 3 held back" in html
    assert (
        "no mobile phone on file" in html
        and "opted out of text messages" in html
        and "is empty for this contact" in html
    )
    # Records mask where messages went.
    assert "•••-•••-0100" in html and "415-555-0100" not in html
    rows = re.findall(
        r'<tr data-status="(\w+)">\s*<td data-label="Contact"><a [^>]*>([^<]+)</a>', html
    )
    assert sorted(rows) == sorted(
        [("queued", "Jane Roe"), ("held", "Sam Poe"), ("held", "Olive Oyl"), ("held", "Pat Lee")]
    )


def test_the_result_page_stops_refreshing_once_nothing_is_on_its_way(
    alice_client, org_a, jane, alice
):
    result = send_message(
        org_a, contacts=[jane], channel="sms", secure=False, body="Hi", sender=alice
    )
    url = f"/sends/{result.send.pk}/"
    assert 'http-equiv="refresh"' in alice_client.get(url).content.decode()
    Delivery.objects.update(status=DeliveryStatus.FAILED, reason="the number is not a mobile phone")
    html = alice_client.get(url).content.decode()
    assert 'http-equiv="refresh"' not in html
    assert "1 failed" in html and "the number is not a mobile phone" in html


def test_attachments_of_a_secure_message_are_stored_encrypted(alice_client, org_a, jane):
    enable_secure(org_a)
    report = SimpleUploadedFile(
        "lab-report.pdf", b"%PDF-1.7 confidential lab values", content_type="application/pdf"
    )
    scan = SimpleUploadedFile("scan.png", b"\x89PNG fake scan", content_type="image/png")
    response = alice_client.post(
        URL,
        {
            "contacts": [str(jane.pk)],
            "channel": "email",
            "secure": "on",
            "body": "See attached.",
            "subject": "",
            "pin": "Ab12",
            "attachments": [report, scan],
            "action": "send",
        },
    )
    assert response.status_code == 302
    stored = {a.file_name: a for a in Attachment.objects.all()}
    assert set(stored) == {"lab-report.pdf", "scan.png"}
    assert stored["lab-report.pdf"].data == b"%PDF-1.7 confidential lab values"
    assert (
        stored["lab-report.pdf"].content_type == "application/pdf"
        and stored["lab-report.pdf"].size == 32
    )
    assert b"confidential" not in stored["lab-report.pdf"].data_encrypted.encode()
    link = SecureLink.objects.get()
    assert link.has_pin and "Ab12" not in link.pin_hmac
    delivery = Delivery.objects.get()
    assert (
        "See attached" not in delivery.body and "/s/" in delivery.body
    )  # the notification holds only the link


def test_a_plain_text_message_cannot_carry_files(alice_client, jane):
    upload = SimpleUploadedFile("a.txt", b"hello", content_type="text/plain")
    response = alice_client.post(
        URL,
        {
            "contacts": [str(jane.pk)],
            "channel": "sms",
            "body": "Hi",
            "attachments": [upload],
            "action": "send",
        },
    )
    assert errors(response, "attachments") == [
        "A text message can't carry files; send it securely or by email."
    ]
    assert "choose the attachments again" in response.content.decode()
    assert not Attachment.objects.exists()


def test_a_non_secure_text_goes_out_as_written_for_each_contact(alice_client, org_a, jane):
    response = post(
        alice_client,
        [jane],
        body="Hi {{ contact.first_name }}, see you at 3pm.\r\n{{ user.name_and_company }}",
    )
    assert response.status_code == 302
    delivery = Delivery.objects.get()
    assert delivery.status == DeliveryStatus.QUEUED and delivery.to == "+14155550100"
    assert delivery.body == "Hi Jane, see you at 3pm.\nAlice Lee at Riverside Clinic"
    assert not SecureLink.objects.exists()
    message = Message.objects.get()
    assert not message.secure and message.body == delivery.body
    assert Event.objects.filter(kind=EventKind.QUEUED, contact=jane).exists()


def test_a_member_can_compose(bob_client, jane):
    assert bob_client.get(URL).status_code == 200
    response = post(bob_client, [jane], channel="email", subject="Hello", body="Hi")
    assert response.status_code == 302
    assert Send.objects.get().created_by.email == "bob@riverside.example"


def test_another_organizations_contact_is_an_unknown_contact_and_nothing_is_sent(
    alice_client, jane, org_b
):
    theirs = contact(org_b, "Hidden Person", phone="+442071838750")
    response = post(alice_client, [jane, theirs])
    assert response.status_code == 200
    assert errors(response, "contacts") == [
        "Unknown contact: one of the chosen contacts is not in your organization (or was deleted)."
    ]
    assert "Hidden Person" not in response.content.decode()
    assert not Send.objects.exists() and not Delivery.objects.exists()


def test_another_organizations_send_is_404(alice_client, org_b, mallory):
    theirs = contact(org_b, "Hidden Person", email="hidden@harbor.example")
    result = send_message(
        org_b,
        contacts=[theirs],
        channel="email",
        secure=False,
        subject="Hi",
        body="Hi",
        sender=mallory,
    )
    assert alice_client.get(f"/sends/{result.send.pk}/").status_code == 404


def test_the_preview_renders_the_message_for_the_chosen_recipient_and_sends_nothing(
    alice_client, org_a, jane, sam
):
    enable_secure(org_a)
    data = {
        "contacts": [str(jane.pk), str(sam.pk)],
        "channel": "sms",
        "secure": "on",
        "body": "Dear {{ contact.name }}",
        "preview_contact": str(sam.pk),
        "action": "preview",
    }
    response = alice_client.post(URL, data)
    html = response.content.decode()
    assert response.status_code == 200 and not response.context["form"].errors
    assert 'data-preview="body">Dear Sam Poe</div>' in html
    assert "Held back for Sam Poe:</strong> no mobile phone on file" in html
    assert (
        "You&#x27;ve received a secure message from Alice Lee at Riverside Clinic" in html
    )  # the notification
    jane_view = alice_client.post(
        "/compose/preview/",
        {**data, "preview_contact": str(jane.pk)},
        headers={"HX-Request": "true"},
    )
    fragment = jane_view.content.decode()
    assert "<html" not in fragment  # htmx gets the panel only
    assert 'data-preview="body">Dear Jane Roe</div>' in fragment and "Held back" not in fragment
    assert not Send.objects.exists() and not Delivery.objects.exists()


def test_the_preview_shows_template_problems(alice_client, jane):
    response = alice_client.post(
        "/compose/preview/",
        {
            "contacts": [str(jane.pk)],
            "channel": "email",
            "subject": "{{ user.nmae }}",
            "body": "Hi {% if %}",
        },
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert "unknown field user.nmae" in html and "Line 1, column" in html
