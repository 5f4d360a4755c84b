"""Audit completeness: every staff or API action that reads content, exports,
changes settings, users, keys or links, or signs in, records its event with
who did it and from which address.

Each action goes through the real HTTP stack (staff pages with a signed-in
session, the API with a bearer key), from its own client address.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client

from hushpost.accounts.api_keys import create_key
from hushpost.accounts.models import User
from hushpost.activity.audit import is_audit_kind
from hushpost.activity.models import Event, EventKind
from hushpost.contacts.models import CustomField
from hushpost.imports.models import ImportRun
from hushpost.messaging.models import Attachment, SecureMessagingSettings
from tests.api.helpers import ApiClient
from tests.conftest import PASSWORD
from tests.portal.conftest import add_message, make_link

pytestmark = pytest.mark.django_db

_addresses = (f"198.51.100.{n}" for n in itertools.count(10))
API = "api: Audit test"


@dataclass
class Stage:
    alice: User
    bob: User
    staff: Client
    api: ApiClient
    ip: str
    contact: object
    attachment: Attachment

    def get(self, url, **data):
        return self.staff.get(url, data, REMOTE_ADDR=self.ip)

    def post(self, url, data=None):
        return self.staff.post(url, data or {}, REMOTE_ADDR=self.ip)

    def api_call(self, method, path, body=None):
        return getattr(self.api, method)(path, body, REMOTE_ADDR=self.ip)


@pytest.fixture
def stage(org_a, alice, bob):
    from hushpost.contacts.models import Contact

    jane = Contact.objects.create(
        organization=org_a, name="Jane Roe", phone="+14155551234", email="jane@example.com"
    )
    message = add_message(
        jane, "Results attached.", files=[("results.pdf", "application/pdf", b"%PDF-1.4")]
    )
    make_link(jane, message)
    settings = SecureMessagingSettings.objects.for_org(org_a)
    settings.enabled = True
    settings.save()
    staff = Client()
    staff.force_login(alice)
    _, raw = create_key(org_a, "Audit test", created_by=alice)
    return Stage(
        alice=alice,
        bob=bob,
        staff=staff,
        api=ApiClient(raw),
        ip=next(_addresses),
        contact=jane,
        attachment=message.attachments.get(),
    )


def _import(stage) -> str:
    return ImportRun.objects.create(
        organization=stage.alice.organization,
        kind="contacts",
        format="csv",
        file_name="people.csv",
        headers=["name"],
    ).pk


def _field(stage) -> str:
    return CustomField.objects.create(
        organization=stage.alice.organization, key="insurance", label="Insurance"
    ).key


def _sign_in(stage):
    browser = Client()
    response = browser.post(
        "/accounts/login/",
        {"username": stage.alice.email, "password": PASSWORD},
        REMOTE_ADDR=stage.ip,
    )
    assert response.status_code == 302, response.content.decode()[:500]
    return response


SECURE_FORM = {
    "enabled": "on",
    "subject": "A message from {{ user.name_and_company }}",
    "body": "Hello,\nread it here: {{ secure_link }}",
    "link_lifetime": "1y",
    "default_pin": "",
    "action": "save",
}
AUTO_FORM = {
    "channel": "sms",
    "timing": "before_start",
    "amount": "1",
    "unit": "days",
    "body": "Hi {{ contact.first_name }}, see you {{ appointment.start_date }}.",
    "enabled": "on",
    "action": "save",
}
API_AUTO = {
    "channel": "sms",
    "timing": {"event": "booked"},
    "body": "Booked, {{ contact.first_name }}.",
}
API_SETTINGS = {
    "enabled": True,
    "subject": "A secure message",
    "body": "Read it: {{ secure_link }}",
    "link_lifetime": "10d",
    "default_pin": "",
}

# (what, the action, the event kind it must record, who: "alice" or the API key's
# label, detail it must hold)
ACTIONS: list[tuple[str, Callable, EventKind, str, dict]] = [
    (
        "staff reads a conversation",
        lambda s: s.get(f"/inbox/{s.contact.pk}/"),
        EventKind.STAFF_VIEWED_CONVERSATION,
        "alice",
        {},
    ),
    (
        "staff downloads an attachment",
        lambda s: s.get(f"/inbox/attachments/{s.attachment.pk}/"),
        EventKind.STAFF_VIEWED_CONVERSATION,
        "alice",
        {},
    ),
    (
        "an API key reads a conversation",
        lambda s: s.api_call("get", f"conversations/{s.contact.pk}"),
        EventKind.STAFF_VIEWED_CONVERSATION,
        API,
        {},
    ),
    (
        "staff export the activity log",
        lambda s: b"".join(s.get("/activity/export.csv", kind="sent").streaming_content),
        EventKind.ACTIVITY_EXPORTED,
        "alice",
        {"export": "activity", "filter_kind": "sent"},
    ),
    (
        "an owner exports the audit trail",
        lambda s: b"".join(s.get("/audit/export.csv").streaming_content),
        EventKind.ACTIVITY_EXPORTED,
        "alice",
        {"export": "audit"},
    ),
    (
        "staff download rejected import rows",
        lambda s: s.get(f"/imports/{_import(s)}/rejected.csv"),
        EventKind.ACTIVITY_EXPORTED,
        "alice",
        {"export": "rejected_rows", "rows": 0},
    ),
    (
        "an owner changes messaging settings",
        lambda s: s.post("/settings/secure-messaging/", SECURE_FORM),
        EventKind.SETTINGS_CHANGED,
        "alice",
        {},
    ),
    (
        "an API key changes messaging settings",
        lambda s: s.api_call("put", "settings/secure-messaging", API_SETTINGS),
        EventKind.SETTINGS_CHANGED,
        API,
        {},
    ),
    (
        "an owner changes the organization",
        lambda s: s.post(
            "/settings/organization/",
            {
                "name": "Riverside",
                "company_name": "Riverside Family Clinic",
                "time_zone": "America/Chicago",
                "country": "US",
            },
        ),
        EventKind.SETTINGS_CHANGED,
        "alice",
        {"settings": "organization"},
    ),
    (
        "an owner adds an auto message",
        lambda s: s.post("/auto-messages/new/", AUTO_FORM),
        EventKind.SETTINGS_CHANGED,
        "alice",
        {"section": "auto messages"},
    ),
    (
        "an API key adds an auto message",
        lambda s: s.api_call("post", "auto-messages", API_AUTO),
        EventKind.SETTINGS_CHANGED,
        API,
        {"section": "auto messages"},
    ),
    (
        "an owner adds a custom field",
        lambda s: s.post(
            "/settings/fields/new/",
            {"key": "insurance", "label": "Insurance", "field_type": "text"},
        ),
        EventKind.FIELDS_CHANGED,
        "alice",
        {"change": "created"},
    ),
    (
        "an API key changes a custom field",
        lambda s: s.api_call("patch", f"settings/fields/{_field(s)}", {"label": "Policy number"}),
        EventKind.FIELDS_CHANGED,
        API,
        {"change": "updated"},
    ),
    (
        "an owner creates an API key",
        lambda s: s.post("/settings/api-keys/", {"name": "Website"}),
        EventKind.API_KEY_CREATED,
        "alice",
        {"name": "Website"},
    ),
    (
        "an owner revokes an API key",
        lambda s: s.post(
            "/settings/api-keys/"
            f"{create_key(s.alice.organization, 'Old', created_by=s.alice)[0].pk}/revoke/"
        ),
        EventKind.API_KEY_REVOKED,
        "alice",
        {"name": "Old"},
    ),
    (
        "an owner invites a user",
        lambda s: s.post(
            "/users/new/",
            {
                "email": "nia@riverside.example",
                "first_name": "Nia",
                "last_name": "Park",
                "role": "member",
            },
        ),
        EventKind.USER_CHANGED,
        "alice",
        {"action": "invited", "user": "nia@riverside.example"},
    ),
    (
        "an owner changes a role",
        lambda s: s.post(
            f"/users/{s.bob.pk}/edit/",
            {"action": "save", "first_name": "Bob", "last_name": "Stone", "role": "admin"},
        ),
        EventKind.USER_CHANGED,
        "alice",
        {"action": "role_changed", "old_role": "member", "new_role": "admin"},
    ),
    (
        "an owner deactivates a user",
        lambda s: s.post(f"/users/{s.bob.pk}/edit/", {"action": "deactivate"}),
        EventKind.USER_CHANGED,
        "alice",
        {"action": "deactivated", "user": "bob@riverside.example"},
    ),
    (
        "staff revoke one link",
        lambda s: s.post(
            f"/contacts/{s.contact.pk}/links/{s.contact.secure_links.get().pk}/revoke/"
        ),
        EventKind.LINK_REVOKED,
        "alice",
        {},
    ),
    (
        "staff revoke all links",
        lambda s: s.post(f"/contacts/{s.contact.pk}/links/revoke/"),
        EventKind.LINK_REVOKED,
        "alice",
        {"links": 1},
    ),
    (
        "an API key revokes all links",
        lambda s: s.api_call("post", f"contacts/{s.contact.pk}/links/revoke"),
        EventKind.LINK_REVOKED,
        API,
        {"links": 1},
    ),
    ("staff sign in", _sign_in, EventKind.SIGNED_IN, "alice", {}),
]


@pytest.mark.parametrize(
    "what, action, kind, who, detail", ACTIONS, ids=[row[0] for row in ACTIONS]
)
def test_the_action_records_its_audit_event_with_who_and_from_where(
    stage, what, action, kind, who, detail
):
    before = Event.objects.order_by("-id").values_list("id", flat=True).first() or 0
    action(stage)
    events = list(Event.objects.filter(id__gt=before, kind=kind))
    assert events, f"{what}: no {kind} event"
    for event in events:
        assert is_audit_kind(event.kind)
        assert event.detail.get("ip") == stage.ip, f"{what}: {event.detail}"
        if who == "alice":
            assert (event.actor, event.actor_label) == (stage.alice, stage.alice.email)
        else:
            assert (event.actor, event.actor_label) == (None, who)
        assert detail.items() <= event.detail.items(), f"{what}: {event.detail}"


def test_an_attachment_download_names_the_file_by_id_only(stage):
    stage.get(f"/inbox/attachments/{stage.attachment.pk}/")
    event = Event.objects.get(kind=EventKind.STAFF_VIEWED_CONVERSATION)
    assert event.contact == stage.contact and event.detail["attachment"] == str(stage.attachment.pk)
    assert "results.pdf" not in str(event.detail)


def test_outside_a_request_no_address_is_made_up(org_a, alice):
    from hushpost.accounts.api_keys import revoke_key

    key, _ = create_key(org_a, "From a command", created_by=alice)
    revoke_key(key, actor=alice)
    assert "ip" not in Event.objects.get(kind=EventKind.API_KEY_REVOKED).detail


def test_contact_side_events_carry_no_address(client, stage):
    _, raw = make_link(stage.contact)
    client.get(f"/s/{raw}", REMOTE_ADDR="192.0.2.200")
    client.post(f"/s/{raw}", {"pin": "1234"}, REMOTE_ADDR="192.0.2.200")
    for kind in (EventKind.LINK_PREFETCHED, EventKind.LINK_CLICKED):
        assert "ip" not in Event.objects.get(kind=kind).detail
