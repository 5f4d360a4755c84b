"""Ending sessions: sign out everywhere (yourself, or a user you manage),
deactivation, a new password."""

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from hushpost.accounts import staff
from hushpost.activity.models import Event, EventKind
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    response = client.post("/accounts/login/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


def is_signed_in(client) -> bool:
    return client.get("/contacts/").status_code == 200


def test_signing_out_everywhere_ends_every_session_of_yours_and_no_one_elses(alice, bob):
    laptop, phone, bobs = signed_in(alice), signed_in(alice), signed_in(bob)
    response = laptop.post(
        "/security/", {"action": "sign_out_everywhere"}, REMOTE_ADDR="203.0.113.7"
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/login/"
    assert not is_signed_in(laptop) and not is_signed_in(phone)
    assert is_signed_in(bobs)
    event = Event.objects.get(kind=EventKind.SIGNED_OUT_EVERYWHERE)
    assert (
        event.actor == alice
        and event.detail["ip"] == "203.0.113.7"
        and event.detail["user"] == alice.email
    )
    # Signing in again works as before.
    assert is_signed_in(signed_in(alice))


def test_an_owner_signs_a_member_out_everywhere(alice, bob):
    owner, bobs = signed_in(alice), signed_in(bob)
    response = owner.post(f"/users/{bob.pk}/edit/", {"action": "sign_out"})
    assert response.status_code == 302
    assert not is_signed_in(bobs) and is_signed_in(owner)
    event = Event.objects.get(kind=EventKind.SIGNED_OUT_EVERYWHERE)
    assert event.actor == alice and event.detail["user"] == bob.email


def test_a_member_cannot_sign_anyone_out(alice, bob):
    owner, bobs = signed_in(alice), signed_in(bob)
    assert bobs.post(f"/users/{alice.pk}/edit/", {"action": "sign_out"}).status_code == 403
    assert is_signed_in(owner)


def test_an_admin_cannot_sign_an_owner_out(alice, bob):
    staff.change_role(alice, bob, "admin")
    owner, admin = signed_in(alice), signed_in(bob)
    with pytest.raises(staff.StaffError):
        staff.sign_out(bob, alice, ip="")
    admin.post(f"/users/{alice.pk}/edit/", {"action": "sign_out"})
    assert is_signed_in(owner)
    assert not Event.objects.filter(kind=EventKind.SIGNED_OUT_EVERYWHERE).exists()


def test_a_deactivated_users_sessions_stay_ended_after_reactivation(alice, bob):
    bobs = signed_in(bob)
    staff.set_active(alice, bob, False)
    assert not is_signed_in(bobs)
    staff.set_active(alice, bob, True)
    assert not is_signed_in(bobs)


def test_a_new_password_ends_the_other_sessions(alice):
    other = signed_in(alice)
    alice.refresh_from_db()  # the token is bound to the last sign-in
    resetter = Client()
    uid = urlsafe_base64_encode(force_bytes(alice.pk))
    token = default_token_generator.make_token(alice)
    form_url = resetter.get(f"/accounts/reset/{uid}/{token}/")["Location"]
    done = resetter.post(
        form_url,
        {"new_password1": "a brand new passphrase", "new_password2": "a brand new passphrase"},
    )
    assert done.status_code == 302
    assert not is_signed_in(other)


def test_sessions_from_before_any_sign_out_everywhere_keep_working(alice):
    # Generation 0 is Django's own session hash, so deploying this signed nobody out.
    from django.contrib.auth.base_user import AbstractBaseUser

    assert alice.session_generation == 0
    assert alice.get_session_auth_hash() == AbstractBaseUser.get_session_auth_hash(alice)
