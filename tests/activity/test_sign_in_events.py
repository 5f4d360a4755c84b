"""Signing in and out is logged for staff of an organization, with the client's IP."""

import pytest

from hushpost.accounts.models import User
from hushpost.activity.models import Event, EventKind
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_signing_in_and_out_is_logged_with_the_ip(client, alice):
    client.post(
        "/accounts/login/",
        {"username": alice.email, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.7",
    )
    client.post("/accounts/logout/", REMOTE_ADDR="198.51.100.2")
    signed_in, signed_out = Event.objects.order_by("id")
    assert (signed_in.kind, signed_in.actor, signed_in.organization) == (
        EventKind.SIGNED_IN,
        alice,
        alice.organization,
    )
    assert signed_in.detail == {"ip": "203.0.113.7"}
    assert signed_in.contact is None
    assert (signed_out.kind, signed_out.actor_label) == (EventKind.SIGNED_OUT, alice.email)
    assert signed_out.detail == {"ip": "198.51.100.2"}


def test_a_failed_sign_in_logs_no_sign_in_only_the_failure_without_the_password(client, alice):
    # Counting and locking are tested in tests/accounts/test_sign_in_limits.py.
    client.post(
        "/accounts/login/",
        {"username": alice.email, "password": "wrong-horse"},
        REMOTE_ADDR="198.51.100.9",
    )
    event = Event.objects.get()
    assert (event.kind, event.actor, event.detail["ip"]) == (
        EventKind.SIGN_IN_FAILED,
        alice,
        "198.51.100.9",
    )
    assert "wrong-horse" not in str(event.detail)


def test_the_password_step_of_a_two_factor_user_logs_no_sign_in(client, alice):
    # signed_in then comes from the second step (tests/accounts/test_two_factor.py).
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=alice, name="Authenticator app", confirmed=True)
    response = client.post(
        "/accounts/login/",
        {"username": alice.email, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.7",
    )
    assert response.status_code == 302 and response["Location"].startswith("/accounts/two-factor/")
    assert not Event.objects.exists()


def test_an_unconfirmed_authenticator_does_not_hold_back_the_sign_in(client, alice):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(
        user=alice, name="Authenticator app", confirmed=False
    )  # set-up never finished
    client.post(
        "/accounts/login/",
        {"username": alice.email, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.7",
    )
    assert Event.objects.get().kind == EventKind.SIGNED_IN


def test_a_forwarded_for_header_does_not_change_the_logged_ip(client, alice):
    client.post(
        "/accounts/login/",
        {"username": alice.email, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.7",
        HTTP_X_FORWARDED_FOR="10.9.9.9",
    )
    assert Event.objects.get().detail == {"ip": "203.0.113.7"}


def test_a_user_without_an_organization_is_not_logged(client, db):
    User.objects.create_user("operator@example.com", PASSWORD)
    assert (
        client.post(
            "/accounts/login/", {"username": "operator@example.com", "password": PASSWORD}
        ).status_code
        == 302
    )
    client.post("/accounts/logout/")
    assert not Event.objects.exists()


def test_signing_out_when_not_signed_in_logs_nothing(client, db):
    client.post("/accounts/logout/")
    assert not Event.objects.exists()
