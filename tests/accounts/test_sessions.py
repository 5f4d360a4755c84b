"""Staff sessions end after the idle time; any request in between keeps them going."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def sign_in(client, user):
    response = client.post("/accounts/login/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302


def is_signed_in(client) -> bool:
    return client.get("/contacts/").status_code == 200


def test_a_session_idle_past_its_age_is_signed_out(client, alice):
    with time_machine.travel(START, tick=False):
        sign_in(client, alice)
        assert is_signed_in(client)
    with time_machine.travel(
        START + dt.timedelta(seconds=settings.SESSION_COOKIE_AGE + 60), tick=False
    ):
        response = client.get("/contacts/")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_activity_keeps_a_session_alive_past_its_age(client, alice):
    step = dt.timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)
    with time_machine.travel(START, tick=False):
        sign_in(client, alice)
    for hop in (1, 2, 3):
        with time_machine.travel(START + hop * step, tick=False):
            assert is_signed_in(client), f"signed out after {hop} working requests"


def test_the_session_cookie_carries_the_same_age(client, alice):
    sign_in(client, alice)
    assert client.cookies[settings.SESSION_COOKIE_NAME]["max-age"] == settings.SESSION_COOKIE_AGE
