"""Failed sign-ins are counted per account and per client IP; enough of them lock
sign-in for a while, with a notice that says until when and nothing about the account."""

import datetime as dt

import pytest
import time_machine
from django.core import mail

from hushpost.activity.models import Event, EventKind
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOCKED = "Too many failed sign-in attempts"


@pytest.fixture(autouse=True)
def limits(settings):
    settings.HUSHPOST_SIGNIN_ACCOUNT_FAILURES = 5
    settings.HUSHPOST_SIGNIN_IP_FAILURES = 20
    settings.HUSHPOST_SIGNIN_WINDOW_MINUTES = 15
    return settings


def sign_in(client, email, password, ip="203.0.113.7"):
    return client.post(
        "/accounts/login/", {"username": email, "password": password}, REMOTE_ADDR=ip
    )


def text(response) -> str:
    return response.content.decode()


def test_five_wrong_passwords_lock_the_account_and_then_even_the_right_one_is_refused(
    client, alice
):
    for _ in range(4):
        assert LOCKED not in text(sign_in(client, alice.email, "wrong password"))
    fifth = sign_in(client, alice.email, "wrong password")
    assert LOCKED in text(fifth)
    refused = sign_in(client, alice.email, PASSWORD)
    assert refused.status_code == 429 and LOCKED in text(refused)
    assert "_auth_user_id" not in client.session
    assert "UTC" in text(refused) and "minutes" in text(refused)


def test_a_locked_unknown_email_looks_exactly_like_a_locked_account(client, alice):
    for _ in range(6):
        known = sign_in(client, alice.email, "wrong password", ip="203.0.113.1")
        unknown = sign_in(client, "nobody@riverside.example", "wrong password", ip="203.0.113.2")
    assert known.status_code == unknown.status_code == 429
    assert str(known.context["form"].errors) == str(unknown.context["form"].errors)
    assert LOCKED in text(unknown)


def test_each_failure_is_logged_with_the_ip_and_the_lock_once(client, alice):
    for _ in range(7):
        sign_in(client, alice.email, "hunter2-not-it")
    failed = Event.objects.filter(organization=alice.organization, kind=EventKind.SIGN_IN_FAILED)
    # The sixth and seventh attempts were refused before any password was checked.
    assert failed.count() == 5
    assert all(event.detail["ip"] == "203.0.113.7" and event.actor == alice for event in failed)
    locked = Event.objects.get(organization=alice.organization, kind=EventKind.SIGN_IN_LOCKED)
    assert locked.detail["scope"] == "account" and locked.detail["ip"] == "203.0.113.7"
    for event in Event.objects.all():
        assert "hunter2" not in str(event.detail)


def test_an_unknown_email_logs_nothing(client, alice):
    for _ in range(6):
        sign_in(client, "nobody@riverside.example", "wrong password")
    assert not Event.objects.filter(
        kind__in=[EventKind.SIGN_IN_FAILED, EventKind.SIGN_IN_LOCKED]
    ).exists()


def test_the_lock_ends_after_its_window_and_the_count_starts_again(client, alice):
    start = dt.datetime(2031, 3, 4, 9, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        for _ in range(5):
            sign_in(client, alice.email, "wrong password")
        assert LOCKED in text(sign_in(client, alice.email, PASSWORD))
    with time_machine.travel(start + dt.timedelta(minutes=14), tick=False):
        assert LOCKED in text(sign_in(client, alice.email, PASSWORD))
    with time_machine.travel(start + dt.timedelta(minutes=15, seconds=1), tick=False):
        assert sign_in(client, alice.email, "wrong password").status_code == 200
        assert LOCKED not in text(sign_in(client, alice.email, "wrong password"))
        assert sign_in(client, alice.email, PASSWORD).status_code == 302


def test_the_lock_is_per_account(client, alice, bob):
    for _ in range(5):
        sign_in(client, alice.email, "wrong password")
    assert sign_in(client, bob.email, PASSWORD).status_code == 302


def test_a_successful_sign_in_clears_the_accounts_count(client, alice):
    for _ in range(4):
        sign_in(client, alice.email, "wrong password")
    assert sign_in(client, alice.email, PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    for _ in range(4):
        assert LOCKED not in text(sign_in(client, alice.email, "wrong password"))


def test_twenty_failures_from_one_ip_lock_every_account_from_it(client, alice, bob):
    for n in range(20):
        sign_in(client, f"guess{n}@riverside.example", "wrong password", ip="198.51.100.9")
    refused = sign_in(client, bob.email, PASSWORD, ip="198.51.100.9")
    assert LOCKED in text(refused)
    # From elsewhere, bob signs in.
    assert sign_in(client, bob.email, PASSWORD, ip="198.51.100.10").status_code == 302


def test_the_limits_come_from_settings(client, alice, limits):
    limits.HUSHPOST_SIGNIN_ACCOUNT_FAILURES = 2
    sign_in(client, alice.email, "wrong password")
    assert LOCKED in text(sign_in(client, alice.email, "wrong password"))


def test_password_reset_is_limited_per_address(client, alice):
    for _ in range(3):
        response = client.post(
            "/accounts/password-reset/", {"email": alice.email}, REMOTE_ADDR="203.0.113.7"
        )
        assert response.status_code == 302
    refused = client.post(
        "/accounts/password-reset/", {"email": alice.email}, REMOTE_ADDR="203.0.113.8"
    )
    assert refused.status_code == 200
    assert "Too many password reset requests" in text(refused)
    assert len(mail.outbox) == 3


def test_password_reset_is_limited_per_ip_whatever_the_address(client, alice, settings):
    settings.HUSHPOST_PASSWORD_RESET_PER_IP = 4
    for n in range(4):
        client.post(
            "/accounts/password-reset/",
            {"email": f"someone{n}@riverside.example"},
            REMOTE_ADDR="203.0.113.9",
        )
    refused = client.post(
        "/accounts/password-reset/", {"email": alice.email}, REMOTE_ADDR="203.0.113.9"
    )
    assert "Too many password reset requests" in text(refused)
    assert mail.outbox == []
    # The answer for an unknown address is the same as for a known one.
    unknown = client.post(
        "/accounts/password-reset/",
        {"email": "nobody@riverside.example"},
        REMOTE_ADDR="203.0.113.9",
    )
    assert str(unknown.context["form"].errors) == str(refused.context["form"].errors)
