"""The Users page: everyone sees the list; owners and admins add and change users."""

import re
import zoneinfo

import pytest
from django.core import mail

from hushpost.accounts.models import Role, User
from hushpost.activity.models import Event, EventKind
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


@pytest.fixture
def carol(org_a):
    return User.objects.create_user(
        "carol@riverside.example",
        PASSWORD,
        first_name="Carol",
        last_name="Diaz",
        organization=org_a,
        role=Role.ADMIN,
    )


@pytest.fixture
def carol_client(client, carol):
    client.force_login(carol)
    return client


def invite(client, **fields):
    return client.post(
        "/users/new/",
        {
            "email": "nia@riverside.example",
            "first_name": "Nia",
            "last_name": "Park",
            "role": "member",
            **fields,
        },
    )


def test_everyone_in_the_organization_sees_the_list_and_no_one_else(bob_client, alice, mallory):
    page = bob_client.get("/users/").content.decode()
    for text in ("Alice Lee", "alice@riverside.example", "Owner", "Bob Stone", "Member", "Active"):
        assert text in page
    assert "mallory@harbor.example" not in page
    assert "Add user" not in page
    assert "Owners and admins add users" in page


def test_the_list_shows_the_last_sign_in_and_who_is_invited_or_deactivated(
    alice_client, alice, bob
):
    invite(alice_client)
    bob.is_active = False
    bob.save()
    page = alice_client.get("/users/").content.decode()

    def row(email):
        return re.search(rf"<tr>(?:(?!</tr>).)*{re.escape(email)}.*?</tr>", page, re.S).group(0)

    assert "Invited" in row("nia@riverside.example") and "never" in row("nia@riverside.example")
    assert "Deactivated" in row("bob@riverside.example")
    alice.refresh_from_db()
    # Shown in the organization's time zone (New York).
    shown = alice.last_login.astimezone(zoneinfo.ZoneInfo("America/New_York"))
    hour, noon = shown.strftime("%I").lstrip("0"), "a.m." if shown.hour < 12 else "p.m."
    written = f"{shown:%a} {shown.day} {shown:%b %Y}, {hour}:{shown:%M} {noon} {shown:%Z}"
    assert written in row("alice@riverside.example")


def test_an_owner_adds_a_user_who_gets_an_invitation(alice_client, alice):
    response = invite(alice_client, role="admin")
    assert response.status_code == 302 and response["Location"] == "/users/"
    nia = User.objects.get(email="nia@riverside.example")
    assert (nia.organization, nia.role, nia.first_name) == (alice.organization, Role.ADMIN, "Nia")
    assert "choose your password" in mail.outbox[0].body
    assert (
        "Invitation sent to nia@riverside.example" in alice_client.get("/users/").content.decode()
    )
    assert Event.objects.get(kind=EventKind.USER_CHANGED).detail == {
        "action": "invited",
        "user": "nia@riverside.example",
        "role": "admin",
        "ip": "127.0.0.1",
    }


def test_a_member_cannot_add_or_change_users(bob_client, alice):
    assert bob_client.get("/users/new/").status_code == 403
    assert invite(bob_client).status_code == 403
    assert bob_client.get(f"/users/{alice.pk}/edit/").status_code == 403
    assert bob_client.post(f"/users/{alice.pk}/edit/", {"action": "deactivate"}).status_code == 403
    assert not User.objects.filter(email="nia@riverside.example").exists()
    alice.refresh_from_db()
    assert alice.is_active


def test_an_email_already_in_use_is_refused_clearly(alice_client, mallory):
    response = invite(alice_client, email="MALLORY@harbor.example")
    assert response.status_code == 200
    assert "already belongs to a Hushpost account" in response.content.decode()
    assert User.objects.count() == 2


def test_an_admin_is_not_offered_the_owner_role_and_cannot_post_it(carol_client):
    form = carol_client.get("/users/new/").content.decode()
    assert 'value="admin"' in form and 'value="owner"' not in form
    response = invite(carol_client, role="owner")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not User.objects.filter(email="nia@riverside.example").exists()


def test_an_owner_changes_a_role_and_it_is_logged(alice_client, bob):
    response = alice_client.post(
        f"/users/{bob.pk}/edit/",
        {"action": "save", "first_name": "Bob", "last_name": "Stone", "role": "admin"},
    )
    assert response.status_code == 302
    bob.refresh_from_db()
    assert bob.role == Role.ADMIN
    assert Event.objects.get(kind=EventKind.USER_CHANGED).detail == {
        "action": "role_changed",
        "user": bob.email,
        "old_role": "member",
        "new_role": "admin",
        "ip": "127.0.0.1",
    }


def test_the_last_owner_demoting_themselves_gets_a_clear_error(alice_client, alice):
    response = alice_client.post(
        f"/users/{alice.pk}/edit/",
        {"action": "save", "first_name": "Alice", "last_name": "Lee", "role": "admin"},
    )
    assert response.status_code == 200
    assert "is the only active owner of this organization" in response.content.decode()
    alice.refresh_from_db()
    assert alice.role == Role.OWNER


def test_an_admin_cannot_change_an_owner(carol_client, alice):
    page = carol_client.get(f"/users/{alice.pk}/edit/").content.decode()
    assert "Only an owner can change an owner" in page and "Deactivate" not in page
    carol_client.post(f"/users/{alice.pk}/edit/", {"action": "deactivate"})
    carol_client.post(
        f"/users/{alice.pk}/edit/",
        {"action": "save", "first_name": "A", "last_name": "L", "role": "member"},
    )
    alice.refresh_from_db()
    assert (alice.is_active, alice.role, alice.first_name) == (True, Role.OWNER, "Alice")


def test_deactivating_and_reactivating(alice_client, bob):
    response = alice_client.post(f"/users/{bob.pk}/edit/", {"action": "deactivate"}, follow=True)
    assert "bob@riverside.example deactivated" in response.content.decode()
    bob.refresh_from_db()
    assert not bob.is_active
    alice_client.post(f"/users/{bob.pk}/edit/", {"action": "reactivate"})
    bob.refresh_from_db()
    assert bob.is_active
    assert [
        e.detail["action"] for e in Event.objects.filter(kind=EventKind.USER_CHANGED).order_by("id")
    ] == ["deactivated", "reactivated"]


def test_you_cannot_deactivate_yourself(alice_client, alice):
    page = alice_client.get(f"/users/{alice.pk}/edit/").content.decode()
    assert "can't deactivate your own account" in page and 'value="deactivate"' not in page
    response = alice_client.post(f"/users/{alice.pk}/edit/", {"action": "deactivate"}, follow=True)
    assert 'role="status">You can&#x27;t deactivate your own account' in response.content.decode()
    alice.refresh_from_db()
    assert alice.is_active


def test_an_invitation_can_be_sent_again(alice_client):
    invite(alice_client)
    nia = User.objects.get(email="nia@riverside.example")
    page = alice_client.get(f"/users/{nia.pk}/edit/").content.decode()
    assert "Send the invitation again" in page
    response = alice_client.post(f"/users/{nia.pk}/edit/", {"action": "resend"}, follow=True)
    assert "Invitation sent to nia@riverside.example" in response.content.decode()
    assert len(mail.outbox) == 2


def test_another_organizations_user_is_404(alice_client, mallory):
    url = f"/users/{mallory.pk}/edit/"
    assert alice_client.get(url).status_code == 404
    for action in ("save", "deactivate", "resend"):
        assert (
            alice_client.post(
                url, {"action": action, "role": "member", "first_name": "X"}
            ).status_code
            == 404
        )
    mallory.refresh_from_db()
    assert (mallory.is_active, mallory.role, mallory.first_name) == (True, Role.OWNER, "Mallory")


def test_signed_out_visitors_are_sent_to_sign_in(client, alice):
    for url in ("/users/", "/users/new/", f"/users/{alice.pk}/edit/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
