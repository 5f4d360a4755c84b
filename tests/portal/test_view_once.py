"""The conversation page under load: a reload writes nothing. The view is recorded once
per session — again only when the contact is shown messages they hadn't seen — and the
idle deadline moves on at most every 30 seconds."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hushpost.activity.models import Event, EventKind
from hushpost.portal.models import PortalSession
from hushpost.portal.sessions import IDLE_TIMEOUT, SEEN_EVERY
from tests.portal.conftest import SECRET_TEXT, add_message, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def jane_client(client, pin_link):
    return signed_in(client, pin_link[1])


WRITES = ("INSERT", "UPDATE", "DELETE")


def views():
    return Event.objects.filter(kind=EventKind.MESSAGE_VIEWED)


def test_a_reload_records_nothing_and_writes_nothing(jane_client, pin_link):
    jane_client.get("/s/conversation/")
    assert views().count() == 1 and views().get().detail["messages"] == 1
    with CaptureQueriesContext(connection) as queries:
        response = jane_client.get("/s/conversation/")
    assert SECRET_TEXT in response.content.decode()
    writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith(WRITES)]
    assert writes == [] and views().count() == 1


def test_a_new_message_in_the_thread_is_recorded_as_viewed(jane, jane_client, pin_link):
    jane_client.get("/s/conversation/")
    add_message(jane, "One more thing: bring your card.")
    jane_client.get("/s/conversation/")
    jane_client.get("/s/conversation/")
    assert list(views().order_by("id").values_list("detail__messages", flat=True)) == [1, 2]


def test_a_new_session_records_its_view_again(jane_client, pin_link):
    jane_client.get("/s/conversation/")
    PortalSession.objects.update(ended_at=timezone.now())
    signed_in(jane_client, pin_link[1]).get("/s/conversation/")
    assert views().count() == 2


def test_the_idle_deadline_moves_at_most_every_30_seconds(jane_client, pin_link):
    session = PortalSession.objects.get()
    start = session.last_seen_at
    with time_machine.travel(start + SEEN_EVERY - timedelta(seconds=1)):
        jane_client.get("/s/conversation/")
    assert PortalSession.objects.get().last_seen_at == start
    later = start + SEEN_EVERY + timedelta(seconds=1)
    with time_machine.travel(later):
        jane_client.get("/s/conversation/")
    assert PortalSession.objects.get().last_seen_at == later
    # Still 15 minutes from the last write: a session used now and then stays open.
    with time_machine.travel(later + IDLE_TIMEOUT - timedelta(seconds=1)):
        assert SECRET_TEXT in jane_client.get("/s/conversation/").content.decode()
