"""The rules for managing staff, called directly (the Users page calls the same functions)."""

import re

import pytest
from django.core import mail

from hushpost.accounts import staff
from hushpost.accounts.models import Role, User
from hushpost.activity.models import Event, EventKind
from tests.conftest import PASSWORD, free_port

pytestmark = pytest.mark.django_db


@pytest.fixture
def carol(org_a):
    return User.objects.create_user(
        "carol@riverside.example", PASSWORD, first_name="Carol", organization=org_a, role=Role.ADMIN
    )


@pytest.fixture
def dave(org_a):
    return User.objects.create_user(
        "dave@riverside.example", PASSWORD, first_name="Dave", organization=org_a, role=Role.OWNER
    )


def user_changes():
    return [
        event.detail for event in Event.objects.filter(kind=EventKind.USER_CHANGED).order_by("id")
    ]


def test_inviting_creates_a_user_with_no_password_and_emails_a_link_on_the_public_url(
    alice, settings
):
    settings.BASE_URL = "https://hush.example"
    invitation = staff.invite_user(
        alice,
        email="  New.Person@Riverside.EXAMPLE ",
        first_name="Nia",
        last_name="Park",
        role=Role.ADMIN,
    )
    user = invitation.user
    assert invitation.sent
    assert (user.email, user.organization, user.role) == (
        "new.person@riverside.example",
        alice.organization,
        Role.ADMIN,
    )
    assert not user.has_usable_password()
    [message] = mail.outbox
    assert message.to == ["new.person@riverside.example"]
    assert message.subject == "Alice Lee invited you to Riverside Clinic on Hushpost"
    assert "Hello Nia," in message.body
    assert re.search(r"^https://hush\.example/accounts/reset/[\w-]+/[\w-]+/$", message.body, re.M)
    assert "testserver" not in message.body
    event = Event.objects.get(kind=EventKind.USER_CHANGED)
    assert event.actor == alice
    assert event.detail == {
        "action": "invited",
        "user": "new.person@riverside.example",
        "role": "admin",
    }


def test_the_invitation_link_sets_a_password_once_and_then_they_can_sign_in(
    client, alice, settings
):
    staff.invite_user(alice, email="nia@riverside.example", role=Role.MEMBER)
    link = re.search(r"http\S+/accounts/reset/\S+/", mail.outbox[0].body).group(0)
    path = link.removeprefix(settings.BASE_URL)
    form_page = client.get(path, follow=True)
    assert "Choose your password" in form_page.content.decode()
    assert "nia@riverside.example" in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "a fresh long secret", "new_password2": "a fresh long secret"},
    )
    assert done.status_code == 302
    assert client.login(username="nia@riverside.example", password="a fresh long secret")
    client.logout()
    assert "This link no longer works" in client.get(path, follow=True).content.decode()


@pytest.mark.parametrize("email", ["mallory@harbor.example", "ALICE@riverside.example"])
def test_an_email_used_by_any_account_anywhere_is_refused(alice, mallory, email):
    with pytest.raises(staff.StaffError, match="already belongs to a Hushpost account") as refused:
        staff.invite_user(alice, email=email)
    assert refused.value.field == "email"
    assert User.objects.count() == 2
    assert not mail.outbox and not user_changes()


def test_a_member_cannot_invite_anyone(bob):
    with pytest.raises(staff.StaffError, match="Only owners and admins"):
        staff.invite_user(bob, email="new@riverside.example")
    assert not User.objects.filter(email="new@riverside.example").exists()


def test_only_an_owner_can_make_an_owner(carol, bob, alice):
    with pytest.raises(staff.StaffError, match="Only an owner can make someone an owner"):
        staff.invite_user(carol, email="boss@riverside.example", role=Role.OWNER)
    with pytest.raises(staff.StaffError, match="Only an owner can make someone an owner"):
        staff.change_role(carol, bob, Role.OWNER)
    assert staff.change_role(alice, bob, Role.OWNER).role == Role.OWNER


def test_only_an_owner_can_unmake_an_owner(carol, dave, alice):
    with pytest.raises(staff.StaffError, match="Only an owner can change an owner's account"):
        staff.change_role(carol, dave, Role.MEMBER)
    with pytest.raises(staff.StaffError, match="Only an owner can change an owner's account"):
        staff.set_active(carol, dave, False)
    dave.refresh_from_db()
    assert dave.role == Role.OWNER and dave.is_active
    assert staff.change_role(alice, dave, Role.ADMIN).role == Role.ADMIN


def test_an_admin_can_promote_and_demote_admins_and_members(carol, bob):
    assert staff.change_role(carol, bob, Role.ADMIN).role == Role.ADMIN
    assert staff.change_role(carol, bob, Role.MEMBER).role == Role.MEMBER
    assert user_changes() == [
        {"action": "role_changed", "user": bob.email, "old_role": "member", "new_role": "admin"},
        {"action": "role_changed", "user": bob.email, "old_role": "admin", "new_role": "member"},
    ]


def test_the_last_active_owner_cannot_be_demoted(alice, dave):
    dave.is_active = False
    dave.save()
    with pytest.raises(staff.StaffError, match="only active owner of this organization"):
        staff.change_role(alice, alice, Role.ADMIN)
    alice.refresh_from_db()
    assert alice.role == Role.OWNER
    assert not user_changes()


def test_an_owner_can_step_down_while_another_owner_remains(alice, dave):
    assert staff.change_role(alice, alice, Role.MEMBER).role == Role.MEMBER


def test_two_owners_deactivating_each_other_leave_one_owner(alice, dave):
    stale_dave = User.objects.get(pk=dave.pk)
    staff.set_active(alice, dave, False)
    # dave's page was open before he was deactivated; his request still can't remove the last owner.
    with pytest.raises(staff.StaffError, match="only active owner"):
        staff.set_active(stale_dave, alice, False)
    alice.refresh_from_db()
    assert alice.is_active


def test_you_cannot_deactivate_yourself(alice, carol):
    for actor in (alice, carol):
        with pytest.raises(staff.StaffError, match="can't deactivate your own account"):
            staff.set_active(actor, actor, False)
        actor.refresh_from_db()
        assert actor.is_active


def test_deactivating_and_reactivating_is_logged(carol, bob):
    assert not staff.set_active(carol, bob, False).is_active
    assert staff.set_active(carol, bob, True).is_active
    staff.set_active(carol, bob, True)  # already active: nothing to log
    assert user_changes() == [
        {"action": "deactivated", "user": bob.email, "role": "member"},
        {"action": "reactivated", "user": bob.email, "role": "member"},
    ]


def test_another_organizations_user_cannot_be_changed(alice, mallory):
    for change in (
        lambda: staff.change_role(alice, mallory, Role.MEMBER),
        lambda: staff.set_active(alice, mallory, False),
        lambda: staff.update_user(alice, mallory, first_name="Pwned"),
    ):
        with pytest.raises(staff.StaffError):
            change()
    mallory.refresh_from_db()
    assert (mallory.role, mallory.is_active, mallory.first_name) == (Role.OWNER, True, "Mallory")


def test_renaming_logs_who_but_not_the_names(alice, bob):
    staff.update_user(alice, bob, first_name="Robert", last_name="Stone", role=Role.MEMBER)
    bob.refresh_from_db()
    assert bob.first_name == "Robert"
    assert user_changes() == [{"action": "renamed", "user": bob.email}]


def test_a_mail_server_that_is_down_still_adds_the_user_and_says_so(alice, settings):
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": free_port(), "timeout": 2},
        }
    }
    invitation = staff.invite_user(alice, email="nia@riverside.example")
    assert not invitation.sent
    assert User.objects.filter(email="nia@riverside.example").exists()


def test_an_invitation_can_be_sent_again_until_a_password_is_chosen(alice):
    nia = staff.invite_user(alice, email="nia@riverside.example").user
    assert staff.resend_invitation(alice, nia)
    assert len(mail.outbox) == 2
    nia.set_password("a fresh long secret")
    nia.save()
    with pytest.raises(staff.StaffError, match="already set a password"):
        staff.resend_invitation(alice, nia)
    assert [change["action"] for change in user_changes()] == ["invited", "invitation_resent"]
