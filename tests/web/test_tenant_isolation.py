"""Organization A's staff can't see or change anything of organization B.

The URLs come from the URL conf, so a new staff page with an id in its path
is covered as soon as it exists (and fails here until it has a factory).
"""

from datetime import timedelta

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from hushpost.accounts.api_keys import create_key
from hushpost.activity.models import Event
from hushpost.appointments.models import Appointment, AutoMessage
from hushpost.contacts.models import Contact, CustomField
from hushpost.delivery.models import Channel, Delivery, DeliveryStatus
from hushpost.imports.feeds import create_feed
from hushpost.imports.models import CalendarFeed, ImportRun
from hushpost.messaging.conversations import conversation_for
from hushpost.messaging.links import create_link
from hushpost.messaging.models import Attachment, Conversation, Message, SecureLink, Send
from hushpost.webhooks.endpoints import create_endpoint
from hushpost.webhooks.models import WebhookAttempt, WebhookEndpoint, WebhookMessage

pytestmark = pytest.mark.django_db


def staff_patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver("hushpost.web.urls")
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from staff_patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def their_objects(org_b, mallory):
    contact = Contact(organization=org_b, name="Hidden Person", email="hidden@harbor.example")
    contact.secure_pin = "1234"
    contact.save()
    field = CustomField.objects.create(organization=org_b, key="case_no", label="Case number")
    contact_import = ImportRun.objects.create(
        organization=org_b, kind="contacts", format="csv", file_name="theirs.csv", headers=["name"]
    )
    api_key, _ = create_key(org_b, "Harbor CRM", mallory)
    send = Send.objects.create(
        organization=org_b, created_by=mallory, channel=Channel.EMAIL, secure=True
    )
    message = Message(
        organization=org_b,
        conversation=conversation_for(contact),
        contact=contact,
        send=send,
        direction="outbound",
        origin="compose",
        channel=Channel.EMAIL,
        secure=True,
    )
    message.body = "Their secret"
    message.save()
    attachment = Attachment(
        organization=org_b,
        message=message,
        file_name="theirs.pdf",
        content_type="application/pdf",
        size=5,
    )
    attachment.data = b"%PDF-"
    attachment.save()
    webhook, _ = create_endpoint(
        org_b, url="http://127.0.0.1:9/their-hook", events=["*"], description="Their hook"
    )
    webhook_message = WebhookMessage.objects.create(
        organization=org_b,
        endpoint=webhook,
        webhook_id="test_theirs",
        event_type="webhook_test",
        payload={"type": "webhook_test"},
        status="failed",
    )
    attempt = WebhookAttempt.objects.create(
        organization=org_b, endpoint=webhook, message=webhook_message, error="refused"
    )
    feed = create_feed(org_b, url="http://127.0.0.1:9/theirs.ics", name="Their calendar")
    return {
        "feed_id": feed.pk,
        "webhook_id": webhook.pk,
        "attempt_id": attempt.pk,
        "contact_id": contact.pk,
        "field_id": field.pk,
        "run_id": contact_import.pk,
        "user_id": mallory.pk,
        "send_id": send.pk,
        "attachment_id": attachment.pk,
        "key_id": api_key.pk,
        "link_id": create_link(
            contact=contact, message=message, channel=Channel.EMAIL, lifetime=timedelta(days=1)
        )[0].pk,
        "auto_message_id": AutoMessage.objects.create(
            organization=org_b, channel="sms", timing="booked", body="Their reminder text"
        ).pk,
        "appointment_id": Appointment.objects.create(
            organization=org_b,
            contact=contact,
            title="Hidden visit",
            start=timezone.now() + timedelta(days=1),
            end=timezone.now() + timedelta(days=1, hours=1),
        ).pk,
        "delivery_id": Delivery.objects.create(
            organization=org_b,
            contact=contact,
            channel=Channel.EMAIL,
            to=contact.email,
            status=DeliveryStatus.FAILED,
            reason="refused",
            error_code="550",
            idempotency_key="theirs:1",
        ).pk,
    }


def fill(route, ids):
    path = route
    for name, value in ids.items():
        for converter in ("int", "uuid", "str"):
            path = path.replace(f"<{converter}:{name}>", str(value))
    assert "<" not in path, f"{route}: add a factory for its id to their_objects()"
    return "/" + path


def snapshot(org_b):
    contact = Contact.objects.get(organization=org_b)
    return (
        contact.name,
        contact.email,
        contact.secure_pin,
        list(CustomField.objects.for_org(org_b).values_list("key", "label", "field_type")),
        list(ImportRun.objects.for_org(org_b).values_list("status", "mapping")),
        list(
            CalendarFeed.objects.for_org(org_b).values_list(
                "id", "name", "url_encrypted", "staff_email", "last_polled_at"
            )
        ),
        list(org_b.users.values_list("email", "role", "is_active")),
        list(org_b.api_keys.values_list("name", "revoked_at")),
        list(Message.objects.for_org(org_b).values_list("id", flat=True)),
        list(Send.objects.for_org(org_b).values_list("id", flat=True)),
        list(AutoMessage.objects.for_org(org_b).values_list("id", "body", "enabled")),
        list(Appointment.objects.for_org(org_b).values_list("id", "title", "start", "status")),
        list(Delivery.objects.for_org(org_b).values_list("id", "status", "attempt_log")),
        list(SecureLink.objects.for_org(org_b).values_list("id", "revoked_at")),
        list(
            Conversation.objects.for_org(org_b).values_list(
                "contact_id", "assigned_to_id", "state", "unread_replies"
            )
        ),
        list(
            WebhookEndpoint.objects.for_org(org_b).values_list(
                "id", "url", "events", "enabled", "secret_encrypted", "previous_secret_encrypted"
            )
        ),
        # The factory's own message (events of the test add more, to its "*" endpoint).
        list(
            WebhookMessage.objects.for_org(org_b)
            .filter(event_type="webhook_test")
            .values_list("id", "status", "next_attempt_at")
        ),
    )


def test_every_staff_url_with_an_id_answers_404_for_another_organizations_id(
    alice_client, org_b, mallory
):
    ids = their_objects(org_b, mallory)
    before = snapshot(org_b)
    events_before = Event.objects.for_org(org_b).count()
    checked = []
    for route, _ in staff_patterns():
        if "<" not in route:
            continue
        url = fill(route, ids)
        assert alice_client.get(url).status_code == 404, f"GET {url}"
        response = alice_client.post(
            url,
            {
                "name": "Changed",
                "email": "changed@example.com",
                "label": "Changed",
                "role": "member",
                "language": "en",
            },
        )
        assert response.status_code == 404, f"POST {url} answered {response.status_code}"
        checked.append(route)
    assert snapshot(org_b) == before
    # Nothing was viewed, revealed or assigned there either: not a single event recorded.
    assert Event.objects.for_org(org_b).count() == events_before
    assert len(checked) >= 8


def test_lists_show_nothing_of_another_organization(alice_client, org_b, mallory):
    their_objects(org_b, mallory)
    for route, _ in staff_patterns():
        if "<" in route or route.endswith(".csv"):
            continue
        response = alice_client.get("/" + route)
        if response.status_code != 200 or "text/html" not in response["Content-Type"]:
            continue
        body = response.content.decode()
        for secret in (
            "Hidden Person",
            "hidden@harbor.example",
            "case_no",
            "theirs.csv",
            "mallory@harbor.example",
            "Their secret",
            "theirs.pdf",
            "Harbor CRM",
            "Their reminder text",
            "Hidden visit",
            "their-hook",
            "Their hook",
        ):
            assert secret not in body, f"/{route} shows {secret}"


def test_every_staff_url_needs_a_signed_in_user(client, org_b, mallory):
    ids = their_objects(org_b, mallory)
    for route, _ in staff_patterns():
        url = fill(route, ids)
        response = client.get(url)
        assert response.status_code in (302, 404), (
            f"GET {url} answered {response.status_code} to a stranger"
        )
        if response.status_code == 302:
            assert response["Location"].startswith("/accounts/login/")
