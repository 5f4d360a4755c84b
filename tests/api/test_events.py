import datetime as dt

import pytest
import time_machine

from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from tests.api.helpers import assert_problem, field_errors, make_contact

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2025, 3, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def history(org_a, org_b, dana, hidden):
    eli = make_contact(org_a, "Eli Park", email="eli@example.com")
    with time_machine.travel(T0, tick=False):
        record(org_a, EventKind.QUEUED, contact=dana, channel="sms")
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        record(org_a, EventKind.SENT, contact=dana, channel="sms")
        record(org_a, EventKind.QUEUED, contact=eli, channel="email")
    with time_machine.travel(T0 + dt.timedelta(hours=2), tick=False):
        record(org_a, EventKind.LINK_CLICKED, contact=dana)
        record(org_b, EventKind.LINK_CLICKED, contact=hidden)
    return eli


def kinds(response):
    assert response.status_code == 200, response.content
    return [(e["kind"], e["contact_id"]) for e in response.json()["items"]]


def test_it_lists_the_organizations_events_newest_first(api, dana, history):
    body = api.get("events").json()
    assert body["count"] == 5
    newest = body["items"][0]  # the key the test client uses was made just now
    assert (newest["kind"], newest["actor"], newest["detail"]["name"]) == (
        "api_key_created",
        "alice@riverside.example",
        "Booking system",
    )
    first = body["items"][1]
    assert (first["kind"], first["contact_id"], first["actor"]) == (
        "link_clicked",
        str(dana.pk),
        "system",
    )
    assert first["created_at"] == "2025-03-01T11:00:00Z"
    assert body["items"][-1]["kind"] == "queued" and body["items"][-1]["detail"] == {
        "channel": "sms"
    }


def test_it_filters_by_contact_kind_and_since(api, dana, history):
    eli = history
    assert kinds(api.get("events", {"contact_id": str(eli.pk)})) == [("queued", str(eli.pk))]
    assert kinds(api.get("events", {"kind": "queued"})) == [
        ("queued", str(eli.pk)),
        ("queued", str(dana.pk)),
    ]
    since = api.get("events", {"since": "2025-03-01T11:00:00+01:00", "contact_id": str(dana.pk)})
    assert kinds(since) == [("link_clicked", str(dana.pk)), ("sent", str(dana.pk))]
    assert kinds(api.get("events", {"since": "2025-03-01T10:30:00Z", "kind": "sent"})) == []


def test_it_pages(api, history):
    body = api.get("events", {"limit": 1, "offset": 4}).json()
    assert body["count"] == 5 and [e["kind"] for e in body["items"]] == ["queued"]


def test_bad_filters_are_field_errors(api):
    errors = field_errors(
        api.get("events", {"kind": "exploded", "since": "yesterday", "contact_id": "x"})
    )
    assert set(errors) == {"kind", "since", "contact_id"}
    assert "'queued'" in errors["kind"]
    errors = field_errors(api.get("events", {"since": "2025-03-01T10:00:00"}))
    assert "offset" in errors["since"]


def test_another_organizations_contact_is_404_not_an_empty_list(api, hidden, history):
    assert_problem(api.get("events", {"contact_id": str(hidden.pk)}), 404)
