"""Who may do what: owners and admins manage settings, users and API keys; members
compose and read. Owners alone read the audit trail, change an owner's account and
require two-factor for the organization.

Every staff URL comes from the URL conf and must appear in ROLES below, so a new
page fails here until someone decides who may use it. The API has no roles: it
answers only an organization's API key (which owners and admins make), never a
staff session, whatever the staff member's role.
"""

import re

import pytest

from hushpost.accounts.models import Role, User
from hushpost.imports.pipeline import create_run
from tests.conftest import PASSWORD
from tests.web.test_tenant_isolation import fill, snapshot, staff_patterns, their_objects

pytestmark = pytest.mark.django_db

MEMBER, ADMIN, OWNER = 0, 1, 2
RANK = {Role.MEMBER: MEMBER, Role.ADMIN: ADMIN, Role.OWNER: OWNER}

# url name: (the least role that may GET it, the least role that may POST to it).
# A GET-only or POST-only view keeps the role of what it does; the other method
# answers 405 (or shows the page) to everyone and is not a permission.
ROLES = {
    "home": (MEMBER, MEMBER),
    # Reading and answering conversations
    "inbox": (MEMBER, MEMBER),
    "conversation": (MEMBER, MEMBER),
    # Anyone at the desk takes a conversation, hands it on, marks it done
    "conversation_assign": (MEMBER, MEMBER),
    "conversation_state": (MEMBER, MEMBER),
    "conversation_presence": (MEMBER, MEMBER),
    "attachment": (MEMBER, MEMBER),
    # Appointments and the message schedule's results
    "appointments": (MEMBER, MEMBER),
    "appointment_new": (MEMBER, MEMBER),
    "appointment_import": (MEMBER, MEMBER),
    "appointment_detail": (MEMBER, MEMBER),
    "appointment_edit": (MEMBER, MEMBER),
    "appointment_cancel": (MEMBER, MEMBER),
    # Confirming for the contact (they called, or said so at the desk): POST only
    "appointment_confirm": (MEMBER, MEMBER),
    "appointment_delete": (MEMBER, MEMBER),
    # Compose and what went out
    "compose": (MEMBER, MEMBER),
    "compose_preview": (MEMBER, MEMBER),
    "send_detail": (MEMBER, MEMBER),
    "send_deliveries_csv": (MEMBER, MEMBER),
    "deliveries": (MEMBER, MEMBER),
    "delivery_retry": (MEMBER, MEMBER),
    "outbox": (MEMBER, MEMBER),
    # Contacts
    "contact_list": (MEMBER, MEMBER),
    "contact_new": (MEMBER, MEMBER),
    "contact_detail": (MEMBER, MEMBER),
    "contact_edit": (MEMBER, MEMBER),
    "contact_delete": (MEMBER, MEMBER),
    # Revealing a masked PIN or sensitive field: audited, not restricted
    "contact_reveal": (MEMBER, MEMBER),
    # Revoking a contact's secure links is a safety action anyone who works with them may take
    "links_revoke_all": (MEMBER, MEMBER),
    "link_revoke": (MEMBER, MEMBER),
    # Unlocking a link the contact locked undoes a safety measure: owners and admins
    "link_unlock": (ADMIN, ADMIN),
    "import_new": (MEMBER, MEMBER),
    "import_detail": (MEMBER, MEMBER),
    "import_mapping": (MEMBER, MEMBER),
    "import_rejected_csv": (MEMBER, MEMBER),
    # Settings: everyone reads them, owners and admins change them
    "secure_settings": (MEMBER, ADMIN),
    "secure_settings_preview": (MEMBER, MEMBER),
    "field_list": (MEMBER, MEMBER),
    "field_new": (ADMIN, ADMIN),
    "field_edit": (ADMIN, ADMIN),
    "field_delete": (ADMIN, ADMIN),
    "auto_messages": (MEMBER, MEMBER),
    "auto_message_new": (ADMIN, ADMIN),
    "auto_message_preview": (MEMBER, MEMBER),
    "auto_message_edit": (MEMBER, ADMIN),
    "auto_message_preview_existing": (MEMBER, MEMBER),
    "auto_message_toggle": (MEMBER, ADMIN),
    "auto_message_delete": (ADMIN, ADMIN),
    "organization": (ADMIN, ADMIN),
    "confirmation_settings": (ADMIN, ADMIN),
    "api_keys": (ADMIN, ADMIN),
    "api_key_revoke": (ADMIN, ADMIN),
    # Webhook endpoints hold a signing secret and send the organization's events out
    "webhooks": (ADMIN, ADMIN),
    "webhook_detail": (ADMIN, ADMIN),
    "webhook_test": (ADMIN, ADMIN),
    "webhook_rotate": (ADMIN, ADMIN),
    "webhook_delete": (ADMIN, ADMIN),
    "webhook_replay": (ADMIN, ADMIN),
    # Calendar feeds hold a calendar's secret address and book appointments from it
    "calendar_feeds": (ADMIN, ADMIN),
    "calendar_feed_detail": (ADMIN, ADMIN),
    "calendar_feed_sync": (ADMIN, ADMIN),
    "calendar_feed_delete": (ADMIN, ADMIN),
    # The activity log (no content in it) is everyone's to read and export
    "activity": (MEMBER, MEMBER),
    "activity_export": (MEMBER, MEMBER),
    # The audit trail shows what admins did: owners only
    "audit": (OWNER, OWNER),
    "audit_export": (OWNER, OWNER),
    # Users: everyone sees the list; the user here is the owner alice, so
    # admins may look at her page but only an owner may change her
    "user_list": (MEMBER, MEMBER),
    "user_new": (ADMIN, ADMIN),
    "user_edit": (ADMIN, OWNER),
    # Your own security settings are yours; the POST here asks to require
    # two-factor for the whole organization, which only an owner may
    "security": (MEMBER, OWNER),
    # Your own name and time zone
    "preferences": (MEMBER, MEMBER),
}
POST_DATA = {
    "security": {"action": "require", "required": "on"},
    "user_edit": {"action": "deactivate"},
}
DEFAULT_POST = {
    "name": "Changed",
    "email": "changed@example.com",
    "label": "Changed",
    "role": "member",
    "key": "changed",
    "body": "Changed {{ secure_link }}",
    "enabled": "on",
    "action": "save",
}


@pytest.fixture
def carol(org_a):
    return User.objects.create_user(
        "carol@riverside.example", PASSWORD, organization=org_a, role=Role.ADMIN
    )


def named_routes():
    for route, entry in staff_patterns():
        yield entry.name, route


def test_every_staff_url_has_a_decided_role():
    undecided = [f"{name} (/{route})" for name, route in named_routes() if name not in ROLES]
    assert not undecided, f"decide who may use these and add them to ROLES: {undecided}"


@pytest.mark.parametrize("who", ["bob", "carol", "alice"])
def test_each_role_is_refused_exactly_what_is_above_it(client, who, request, org_a, alice):
    user = request.getfixturevalue(who)
    rank = RANK[user.role]
    ids = their_objects(org_a, alice)
    ids["run_id"] = create_run(
        org_a,
        kind="contacts",
        file_name="ours.csv",
        data=b"name,email\nDana,dana@example.com\n",
        user=alice,
    ).pk
    before = snapshot(org_a)
    client.force_login(user)
    refused, allowed = [], []
    for name, route in named_routes():
        url = fill(route, ids)
        get_role, post_role = ROLES[name]
        got = client.get(url).status_code
        if rank < get_role:
            assert got == 403, f"{who} ({user.role}) GET {url} answered {got}"
            refused.append(f"GET {name}")
        else:
            assert got in (200, 302, 405), f"{who} ({user.role}) GET {url} answered {got}"
            allowed.append(f"GET {name}")
        if rank < post_role:
            posted = client.post(url, POST_DATA.get(name, DEFAULT_POST)).status_code
            assert posted == 403, f"{who} ({user.role}) POST {url} answered {posted}"
            refused.append(f"POST {name}")
    # Nothing a refused request touched has changed.
    assert snapshot(org_a) == before
    org_a.refresh_from_db()
    assert not org_a.require_two_factor
    expected_refusals = sum(
        (rank < g) + (rank < p) for g, p in (ROLES[n] for n, _ in named_routes())
    )
    assert len(refused) == expected_refusals
    if rank == OWNER:
        assert refused == []
    else:
        assert refused, "a member and an admin are each refused something"


def test_the_api_answers_no_staff_session_whatever_the_role(client, alice, bob):
    """The API is for integrations with a key; a signed-in owner's cookie opens nothing there."""
    client.force_login(alice)
    schema = client.get("/api/v1/openapi.json").json()
    checked = 0
    for path, methods in schema["paths"].items():
        url = re.sub(r"{\w+}", "00000000-0000-0000-0000-000000000001", path)
        for method in methods:
            response = getattr(client, method)(url, content_type="application/json")
            assert response.status_code == 401, (
                f"{method.upper()} {path} answered {response.status_code}"
            )
            assert response["Content-Type"].startswith("application/problem+json")
            checked += 1
    assert checked >= 10


def test_only_owners_and_admins_make_and_revoke_api_keys(client, bob, carol, org_a):
    client.force_login(bob)
    assert client.post("/settings/api-keys/", {"name": "Member's key"}).status_code == 403
    assert not org_a.api_keys.exists()
    client.force_login(carol)
    assert client.post("/settings/api-keys/", {"name": "Booking system"}).status_code == 200
    assert org_a.api_keys.filter(name="Booking system").exists()
