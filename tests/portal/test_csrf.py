"""Every POST of the contact's page needs its CSRF token; a refusal changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from hushpost.delivery.models import Delivery
from hushpost.messaging.models import Direction, Message
from hushpost.portal.models import PortalSession
from tests.portal.conftest import csrf_from

pytestmark = pytest.mark.django_db


@pytest.fixture
def strict():
    return Client(enforce_csrf_checks=True)


def refused(response) -> bool:
    return response.status_code == 403 and "This page is out of date" in response.content.decode()


def test_a_pin_without_the_token_is_refused_and_not_counted(strict, pin_link):
    link, raw = pin_link
    strict.get(f"/s/{raw}")
    assert refused(strict.post(f"/s/{raw}", {"pin": "1234"}))
    link.refresh_from_db()
    assert link.failed_pin_attempts == 0 and not PortalSession.objects.exists()


def test_the_forms_carry_the_token_that_makes_them_work(strict, pin_link):
    raw = pin_link[1]
    token = csrf_from(strict.get(f"/s/{raw}").content.decode())
    assert (
        strict.post(f"/s/{raw}", {"pin": "1234", "csrfmiddlewaretoken": token}).status_code == 302
    )
    page = strict.get("/s/conversation/").content.decode()
    token = csrf_from(page)

    assert refused(strict.post("/s/conversation/reply", {"body": "forged"}))
    assert not Message.objects.filter(direction=Direction.INBOUND).exists()
    response = strict.post("/s/conversation/reply", {"body": "mine", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Message.objects.filter(direction=Direction.INBOUND).count() == 1

    assert refused(strict.post("/s/conversation/sign-out"))
    assert PortalSession.objects.get().ended_at is None


def test_a_new_link_without_the_token_is_refused(strict, pin_link):
    link, raw = pin_link
    with time_machine.travel(link.expires_at + timedelta(minutes=1)):
        strict.get(f"/s/{raw}")
        assert refused(strict.post(f"/s/{raw}/new-link"))
    assert not Delivery.objects.exists()


def test_our_own_no_referrer_forms_pass_the_origin_check(strict, pin_link):
    # Under Referrer-Policy: no-referrer a browser posts our own forms with
    # "Origin: null" and no Referer; Sec-Fetch-Site still says same-origin.
    raw = pin_link[1]
    token = csrf_from(strict.get(f"/s/{raw}", secure=True).content.decode())
    response = strict.post(
        f"/s/{raw}",
        {"pin": "1234", "csrfmiddlewaretoken": token},
        secure=True,
        headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"},
    )
    assert response.status_code == 302


@pytest.mark.parametrize("site", ["cross-site", "same-site", "none"])
def test_a_null_origin_from_another_site_is_refused_even_with_a_token(strict, pin_link, site):
    _, raw = pin_link
    token = csrf_from(strict.get(f"/s/{raw}", secure=True).content.decode())
    response = strict.post(
        f"/s/{raw}",
        {"pin": "1234", "csrfmiddlewaretoken": token},
        secure=True,
        headers={"Origin": "null", "Sec-Fetch-Site": site},
    )
    assert refused(response) and not PortalSession.objects.exists()


def test_another_origin_is_refused(strict, pin_link):
    raw = pin_link[1]
    token = csrf_from(strict.get(f"/s/{raw}").content.decode())
    response = strict.post(
        f"/s/{raw}",
        {"pin": "1234", "csrfmiddlewaretoken": token},
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "same-origin"},
    )
    assert refused(response)
