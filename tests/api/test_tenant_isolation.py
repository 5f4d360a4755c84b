"""Organization A's key can't read or change anything of organization B.

The operations come from the OpenAPI document, so a new endpoint with an id
in its path is covered as soon as it exists (and fails here until its
parameter has a factory in their_ids() and, if it takes a body, a sample body).
"""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from hushpost.appointments.models import Appointment
from hushpost.contacts.models import CustomField
from hushpost.imports.models import CalendarFeed, ImportRun
from hushpost.messaging.models import (
    Attachment,
    Message,
    SecureLink,
    SecureMessagingSettings,
    Send,
)
from hushpost.webhooks import sender
from hushpost.webhooks.models import WebhookAttempt, WebhookEndpoint, WebhookMessage
from tests.api.helpers import assert_problem
from tests.portal.conftest import add_message

pytestmark = pytest.mark.django_db

# A body each operation accepts, so the answer is about the id and not a 422.
CONTACT = {
    "name": "Changed",
    "phone": "",
    "email": "changed@example.com",
    "time_zone": "",
    "language": "en",
    "custom": {},
    "secure_pin": "",
    "sms_opt_out": False,
    "email_opt_out": False,
}
APPOINTMENT = {
    "contact_id": "00000000-0000-0000-0000-00000000abcd",
    "start": "2031-03-04T09:30:00Z",
    "end": "2031-03-04T10:00:00Z",
    "title": "Changed",
}
BODIES = {
    ("put", "/api/v1/contacts/{contact_id}"): CONTACT,
    ("patch", "/api/v1/contacts/{contact_id}"): {"name": "Changed"},
    ("put", "/api/v1/appointments/{appointment_id}"): APPOINTMENT,
    ("put", "/api/v1/appointments/by-external-id/{external_id}"): APPOINTMENT,
    ("patch", "/api/v1/settings/fields/{field_key}"): {"sensitive": True},
    ("put", "/api/v1/auto-messages/{auto_message_id}"): {
        "channel": "sms",
        "timing": {"event": "booked", "offset_minutes": 0},
        "body": "Changed",
    },
    # Without a name no contact can be created: the answer is about their external id.
    ("put", "/api/v1/contacts/by-external-id/{external_id}"): {"sms_opt_out": True},
    ("post", "/api/v1/conversations/{contact_id}/messages"): {
        "channel": "sms",
        "secure": False,
        "body": "Changed",
    },
    ("patch", "/api/v1/webhooks/{webhook_id}"): {"description": "Changed", "enabled": False},
    ("post", "/api/v1/links/{link_id}/unlock"): {"reason": "Changed"},
    ("patch", "/api/v1/calendar-feeds/{feed_id}"): {"name": "Changed"},
}
# An external id names an appointment within the caller's own organization: their
# external id is simply one we don't have, so an upsert with it would create ours
# (here refused, the contact being unknown); theirs is never touched.
NOT_IDS_OF_THEIRS = {
    ("put", "/api/v1/appointments/by-external-id/{external_id}"),
    ("put", "/api/v1/contacts/by-external-id/{external_id}"),
}


def their_ids(org_b, hidden, api_b):
    settings = SecureMessagingSettings.objects.for_org(org_b)
    settings.enabled = True
    settings.save()
    sent = api_b.post(
        "messages",
        {"contact_ids": [str(hidden.pk)], "channel": "email", "subject": "S", "body": "Privileged"},
    )
    assert sent.status_code == 202, sent.content
    booked = api_b.put(
        "appointments/by-external-id/HARBOR-1",
        {
            "contact_id": str(hidden.pk),
            "start": "2031-03-04T09:30:00Z",
            "end": "2031-03-04T10:00:00Z",
            "title": "Hidden",
        },
    )
    assert booked.status_code == 201, booked.content
    hidden.external_id = "HARBOR-1"
    hidden.save()
    webhook = api_b.post(
        "webhooks", {"url": "http://127.0.0.1:9/theirs", "events": ["*"], "description": "Theirs"}
    )
    assert webhook.status_code == 201, webhook.content
    assert api_b.post(f"webhooks/{webhook.json()['id']}/test").status_code == 202
    assert sender.send_due() >= 1  # port 9 refuses: a failed attempt to replay
    file = add_message(hidden, "Privileged", files=[("theirs.pdf", "application/pdf", b"%PDF-")])
    imported = api_b.upload(
        "imports",
        {
            "kind": "contacts",
            "file": SimpleUploadedFile(
                "theirs.csv", b"Name,Email\nHidden Two,two@harbor.example\n"
            ),
        },
    )
    assert imported.status_code == 202, imported.content
    feed = api_b.post("calendar-feeds", {"url": "http://127.0.0.1:9/theirs.ics", "name": "Theirs"})
    assert feed.status_code == 201, feed.content
    return {
        "feed_id": feed.json()["id"],
        "import_id": imported.json()["id"],
        "contact_id": hidden.pk,
        "message_id": sent.json()["id"],
        "appointment_id": booked.json()["id"],
        "external_id": "HARBOR-1",
        "auto_message_id": _their_auto_message(api_b),
        "link_id": SecureLink.objects.for_org(org_b).get().pk,
        "field_key": CustomField.objects.create(
            organization=org_b, key="case_no", label="Case number"
        ).key,
        "webhook_id": webhook.json()["id"],
        "attempt_id": WebhookAttempt.objects.filter(organization=org_b).first().pk,
        "attachment_id": file.attachments.get().pk,
    }


def _their_auto_message(api_b) -> int:
    auto = api_b.post(
        "auto-messages", {"channel": "sms", "timing": {"event": "booked"}, "body": "Theirs"}
    )
    assert auto.status_code == 201, auto.content
    return auto.json()["id"]


def operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield method, path, operation


def snapshot(org_b, hidden):
    hidden.refresh_from_db()
    messages = [(m.id, m.body) for m in Message.objects.for_org(org_b)]
    appointments = list(
        Appointment.objects.for_org(org_b).values_list("id", "title", "start", "status")
    )
    links = list(
        SecureLink.objects.for_org(org_b).values_list(
            "id", "revoked_at", "locked_at", "failed_pin_attempts"
        )
    )
    fields = list(
        CustomField.objects.for_org(org_b).values_list("key", "label", "field_type", "sensitive")
    )
    webhooks = list(
        WebhookEndpoint.objects.for_org(org_b).values_list(
            "id", "url", "description", "enabled", "secret_encrypted"
        )
    )
    outbox = list(
        WebhookMessage.objects.for_org(org_b).values_list("id", "status", "next_attempt_at")
    )
    imports = list(ImportRun.objects.for_org(org_b).values_list("id", "status", "rows_done"))
    feeds = list(CalendarFeed.objects.for_org(org_b).values_list("id", "name", "last_polled_at"))
    return (
        feeds,
        imports,
        hidden.name,
        hidden.email,
        hidden.secure_pin,
        hidden.sms_opt_out,
        hidden.external_id,
        webhooks,
        outbox,
        Attachment.objects.filter(organization=org_b).count(),
        messages,
        Send.objects.for_org(org_b).count(),
        appointments,
        links,
        fields,
    )


def test_every_operation_with_an_id_answers_404_for_another_organizations_id(
    api, api_b, org_b, hidden
):
    ids = their_ids(org_b, hidden, api_b)
    before = snapshot(org_b, hidden)
    schema = api.get("openapi.json").json()
    checked = []
    for method, path, operation in operations(schema):
        names = re.findall(r"{(\w+)}", path)
        if not names:
            continue
        missing = [name for name in names if name not in ids]
        assert not missing, f"{method.upper()} {path}: add a factory for {missing} to their_ids()"
        if "requestBody" in operation:
            assert (method, path) in BODIES, f"{method.upper()} {path}: add a sample body to BODIES"
        url = path.format(**ids)
        response = getattr(api, method)(url, BODIES.get((method, path)))
        body = assert_problem(response, 422 if (method, path) in NOT_IDS_OF_THEIRS else 404)
        assert "Hidden" not in str(body) and "Privileged" not in str(body), (
            f"{method.upper()} {path}"
        )
        checked.append(f"{method.upper()} {path}")
    assert snapshot(org_b, hidden) == before
    assert len(checked) >= 6, checked


def test_their_id_and_an_unknown_id_get_the_same_answer(api, api_b, org_b, hidden):
    ids = their_ids(org_b, hidden, api_b)
    unknown = "00000000-0000-0000-0000-00000000abcd"
    for path in ("contacts/{}", "messages/{}", "conversations/{}"):
        key = "message_id" if path.startswith("messages") else "contact_id"
        theirs = api.get(path.format(ids[key]))
        nobody = api.get(path.format(unknown))
        assert (theirs.status_code, theirs.json()) == (nobody.status_code, nobody.json())


def test_id_filters_and_recipient_lists_reveal_nothing_either(api, api_b, org_b, hidden, dana):
    their_ids(org_b, hidden, api_b)
    assert_problem(api.get("events", {"contact_id": str(hidden.pk)}), 404)
    assert hidden.name not in api.get("events").content.decode()
    refused = api.post(
        "messages",
        {"contact_ids": [str(hidden.pk)], "channel": "sms", "secure": False, "body": "Hi"},
    )
    unknown = api.post(
        "messages",
        {
            "contact_ids": ["00000000-0000-0000-0000-00000000abcd"],
            "channel": "sms",
            "secure": False,
            "body": "Hi",
        },
    )
    assert refused.status_code == unknown.status_code == 422
    assert refused.json()["errors"][0]["message"].replace(str(hidden.pk), "X") == unknown.json()[
        "errors"
    ][0]["message"].replace("00000000-0000-0000-0000-00000000abcd", "X")
