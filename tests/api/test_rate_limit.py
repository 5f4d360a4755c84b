"""HUSHPOST_API_RATE: requests per minute per key, in the shared cache, told in headers."""

from __future__ import annotations

import re

import pytest
import time_machine

from tests.api.helpers import assert_problem

pytestmark = pytest.mark.django_db

POLICY = re.compile(r'^"per-key";q=(\d+);w=60$')
STATE = re.compile(r'^"per-key";r=(\d+);t=(\d+)$')


@pytest.fixture
def three_a_minute(settings):
    settings.HUSHPOST_API_RATE = 3


def test_answers_say_the_quota_and_what_is_left(api, three_a_minute):
    with time_machine.travel("2031-03-04 09:30:10Z", tick=False):
        answers = [api.get("contacts") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert POLICY.match(answers[0]["RateLimit-Policy"]).group(1) == "3"
    left = [STATE.match(a["RateLimit"]).groups() for a in answers]
    assert left == [("2", "50"), ("1", "50"), ("0", "50")]


def test_past_the_quota_it_is_429_with_retry_after_until_the_minute_ends(
    api, api_b, three_a_minute
):
    with time_machine.travel("2031-03-04 09:30:45Z", tick=False):
        for _ in range(3):
            assert api.get("contacts").status_code == 200
        refused = api.get("contacts")
        body = assert_problem(refused, 429)
        assert refused["Retry-After"] == "15"
        assert STATE.match(refused["RateLimit"]).groups() == ("0", "15")
        assert "at most 3 a minute" in body["detail"]
        # Another organization's key has its own count.
        assert api_b.get("contacts").status_code == 200
    with time_machine.travel("2031-03-04 09:31:00Z", tick=False):
        assert api.get("contacts").status_code == 200


def test_a_refused_request_does_nothing(api, three_a_minute, org_a):
    with time_machine.travel("2031-03-04 09:30:00Z", tick=False):
        for _ in range(3):
            api.get("contacts")
        refused = api.post("contacts", {"name": "Too Many", "email": "x@example.com"})
    assert refused.status_code == 429
    assert not org_a.contacts.filter(name="Too Many").exists()


def test_bad_keys_spend_no_ones_quota(api, anonymous, three_a_minute):
    with time_machine.travel("2031-03-04 09:30:00Z", tick=False):
        for _ in range(5):
            anonymous.get("contacts", HTTP_AUTHORIZATION="Bearer hp_wrong")
        assert api.get("contacts").status_code == 200


def test_zero_turns_the_limit_off(api, settings):
    settings.HUSHPOST_API_RATE = 0
    response = api.get("contacts")
    assert response.status_code == 200 and "RateLimit" not in response
