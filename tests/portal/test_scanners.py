"""R12: a scanner or preview that fetches a link is told apart from a person who opens it."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from hushpost.activity.models import Event, EventKind
from hushpost.messaging.link_visits import FOLLOW_UP_WINDOW, settle_unfollowed_visits
from hushpost.messaging.models import SecureLink

pytestmark = pytest.mark.django_db

BROWSER = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)


def events(link) -> list[tuple[str, dict]]:
    return [(e.kind, e.detail) for e in Event.objects.filter(link=link).order_by("id")]


@pytest.fixture
def later(pin_link):
    """A minute after the link went out: past the scanners' first seconds."""
    with time_machine.travel(pin_link[0].created_at + timedelta(minutes=1), tick=False):
        yield


def test_a_person_who_opens_the_page_and_enters_the_pin_is_a_click(client, pin_link, later):
    link, raw = pin_link
    client.get(f"/s/{raw}", HTTP_USER_AGENT=BROWSER)
    assert events(link) == []  # not known yet: a person or a scanner that acts like a browser
    client.post(f"/s/{raw}", {"pin": "1234"}, HTTP_USER_AGENT=BROWSER)
    (kind, detail), (then, _) = events(link)
    assert (kind, then) == (EventKind.LINK_CLICKED, EventKind.PIN_ENTERED)
    assert detail["opened_at"] == timezone.now().isoformat(timespec="seconds")
    assert SecureLink.objects.get(pk=link.pk).first_clicked_at is not None
    assert settle_unfollowed_visits(timezone.now() + FOLLOW_UP_WINDOW * 2) == 0


def test_a_fetch_no_post_follows_is_a_scanners_once_the_window_passed(client, pin_link, later):
    link, raw = pin_link
    client.get(f"/s/{raw}", HTTP_USER_AGENT=BROWSER)
    assert settle_unfollowed_visits(timezone.now() + FOLLOW_UP_WINDOW / 2) == 0
    assert settle_unfollowed_visits(timezone.now() + FOLLOW_UP_WINDOW * 2) == 1
    assert events(link) == [(EventKind.LINK_PREFETCHED, {"reason": "no_follow_up"})]
    assert SecureLink.objects.get(pk=link.pk).first_clicked_at is None
    assert settle_unfollowed_visits(timezone.now() + FOLLOW_UP_WINDOW * 3) == 0


@pytest.mark.parametrize(
    "agent",
    [
        "Mozilla/5.0 (compatible; Slackbot-LinkExpanding 1.0; +https://api.slack.com/robots)",
        "facebookexternalhit/1.1;line-poker/1.0",
        "WhatsApp/2.23.20.0",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) BingPreview/1.0b",
        "python-requests/2.32.3",
        "",
    ],
)
def test_known_scanner_and_preview_agents_are_logged_as_prefetches(client, pin_link, later, agent):
    link, raw = pin_link
    assert client.get(f"/s/{raw}", HTTP_USER_AGENT=agent).status_code == 200
    assert events(link) == [(EventKind.LINK_PREFETCHED, {"reason": "scanner_user_agent"})]


def test_a_fetch_seconds_after_sending_is_a_scanners(client, pin_link):
    link, raw = pin_link
    with time_machine.travel(link.created_at + timedelta(seconds=3)):
        client.get(f"/s/{raw}", HTTP_USER_AGENT=BROWSER)
    assert events(link) == [(EventKind.LINK_PREFETCHED, {"reason": "too_soon_after_sending"})]


def test_a_person_quick_enough_to_post_within_seconds_is_still_a_person(client, pin_link):
    link, raw = pin_link
    with time_machine.travel(link.created_at + timedelta(seconds=3)):
        client.get(f"/s/{raw}", HTTP_USER_AGENT=BROWSER)
        client.post(f"/s/{raw}", {"pin": "1234"}, HTTP_USER_AGENT=BROWSER)
    kinds = [kind for kind, _ in events(link)]
    assert kinds == [EventKind.LINK_PREFETCHED, EventKind.LINK_CLICKED, EventKind.PIN_ENTERED]


def test_a_scanner_and_then_the_person_are_each_logged_as_what_they_are(client, pin_link, later):
    link, raw = pin_link
    client.get(
        f"/s/{raw}",
        HTTP_USER_AGENT="Mozilla/5.0 Proofpoint URL Defense",
        REMOTE_ADDR="198.51.100.7",
    )
    client.get(f"/s/{raw}", HTTP_USER_AGENT=BROWSER)
    client.get(f"/s/{raw}", HTTP_USER_AGENT=BROWSER)  # reloaded: still one visit
    client.post(f"/s/{raw}", {"pin": "0000"}, HTTP_USER_AGENT=BROWSER)
    client.post(f"/s/{raw}", {"pin": "1234"}, HTTP_USER_AGENT=BROWSER)
    kinds = [kind for kind, _ in events(link)]
    assert kinds == [
        EventKind.LINK_PREFETCHED,
        EventKind.LINK_CLICKED,
        EventKind.PIN_WRONG,
        EventKind.PIN_ENTERED,
    ]
    assert settle_unfollowed_visits(timezone.now() + FOLLOW_UP_WINDOW * 2) == 0


def test_a_head_request_is_a_prefetch_whoever_sends_it(client, pin_link, later):
    link, raw = pin_link
    client.head(f"/s/{raw}", HTTP_USER_AGENT=BROWSER)
    assert events(link) == [(EventKind.LINK_PREFETCHED, {"reason": "head_request"})]
