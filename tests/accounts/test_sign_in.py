"""Signing in: failures don't tell whether an email has an account; deactivated users are out."""

import pytest

from hushpost.accounts import staff
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(client, email, password):
    return client.post("/accounts/login/", {"username": email, "password": password})


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(client, alice):
    wrong_password = sign_in(client, alice.email, "not the password")
    unknown_email = sign_in(client, "nobody@riverside.example", "not the password")
    assert wrong_password.status_code == unknown_email.status_code == 200
    for response in (wrong_password, unknown_email):
        assert "That email and password don&#x27;t match an account" in response.content.decode()

    def errors(response):
        return response.context["form"].errors.as_data()

    assert str(errors(wrong_password)) == str(errors(unknown_email))


def test_the_email_is_case_insensitive(client, alice):
    assert sign_in(client, "ALICE@Riverside.Example", PASSWORD).status_code == 302


def test_a_deactivated_user_cannot_sign_in_and_their_open_session_ends(client, alice, bob):
    assert sign_in(client, bob.email, PASSWORD).status_code == 302
    staff.set_active(alice, bob, False)
    assert client.get("/contacts/").status_code == 302  # back to sign-in
    refused = sign_in(client, bob.email, PASSWORD)
    assert refused.status_code == 200
    assert "That email and password don&#x27;t match an account" in refused.content.decode()


def test_an_invited_user_without_a_password_cannot_sign_in(client, alice):
    nia = staff.invite_user(alice, email="nia@riverside.example").user
    assert sign_in(client, nia.email, "").status_code == 200
    assert sign_in(client, nia.email, "!").status_code == 200
