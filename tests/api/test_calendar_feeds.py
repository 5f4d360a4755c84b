"""/calendar-feeds through the API: the address masked, changes, polls, problems for bad input."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from hushpost.activity.models import Event, EventKind
from hushpost.appointments.models import Appointment
from hushpost.imports.models import CalendarFeed
from hushpost.imports.pipeline import run_now
from tests.api.helpers import assert_problem, field_errors
from tests.feed_server import Answer, vcalendar, vevent

pytestmark = pytest.mark.django_db


@pytest.fixture
def created(api, feed_server, alice):
    response = api.post(
        "calendar-feeds", {"url": feed_server.url, "name": "Front desk", "staff_email": alice.email}
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_creating_answers_the_feed_with_its_address_masked(api, created, feed_server, org_a):
    assert set(created) >= {
        "id",
        "url",
        "name",
        "staff_email",
        "last_polled_at",
        "last_outcome",
        "counts",
    }
    assert created["url"] == "http://127.0.0.1/…/basic.ics"
    assert "private-7f3a9c" not in str(api.get("calendar-feeds").json())
    assert (created["name"], created["last_polled_at"], created["last_outcome"]) == (
        "Front desk",
        None,
        "",
    )
    assert created["counts"] == {
        "added": 0,
        "updated": 0,
        "unchanged": 0,
        "skipped": 0,
        "rejected": 0,
    }
    feed = CalendarFeed.objects.get(pk=created["id"])
    assert feed.url == feed_server.url and "7f3a9c" not in feed.url_encrypted
    event = Event.objects.for_org(org_a).get(kind=EventKind.SETTINGS_CHANGED)
    assert event.detail["section"] == "calendar feeds" and event.detail["change"] == "created"
    assert "7f3a9c" not in str(event.detail)


def test_webcal_is_read_as_https(api, dns, settings):
    settings.HUSHPOST_FEEDS_ALLOW_PRIVATE = False
    dns["p52-caldav.icloud.com"] = ["17.248.150.34"]
    response = api.post(
        "calendar-feeds", {"url": "webcal://p52-caldav.icloud.com/published/2/MTIzNDU2Nzg5MDEy"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["url"] == "https://p52-caldav.icloud.com/…/…MDEy"
    assert body["name"] == "p52-caldav.icloud.com"
    assert CalendarFeed.objects.get(pk=body["id"]).url.startswith("https://p52-caldav")


def test_bad_input_is_a_problem_per_field(api, created, feed_server, settings, dns):
    assert "url" in field_errors(api.post("calendar-feeds", {"url": "ftp://example.com/a.ics"}))
    assert field_errors(api.post("calendar-feeds", {"url": "https://nowhere.example/a.ics"}))[
        "url"
    ].startswith("nowhere.example could not be found")
    again = field_errors(api.post("calendar-feeds", {"url": feed_server.url}))
    assert again["url"] == "This calendar is already added, as “Front desk”."
    staff = field_errors(
        api.post("calendar-feeds", {"url": f"{feed_server.url}?x", "staff_email": "x@example.com"})
    )
    assert staff["staff_email"] == "No staff member of your organization has this email."
    settings.HUSHPOST_FEEDS_ALLOW_PRIVATE = False
    dns["metadata.example"] = ["169.254.169.254"]
    refused = field_errors(api.post("calendar-feeds", {"url": "https://metadata.example/a.ics"}))
    assert "link-local address" in refused["url"]
    assert CalendarFeed.objects.count() == 1
    assert_problem(api.post("calendar-feeds", {"name": "no url"}), 422)


def test_patch_get_and_delete(api, created, bob):
    changed = api.patch(
        f"calendar-feeds/{created['id']}", {"name": "Dr. Lee", "staff_email": bob.email}
    )
    assert changed.status_code == 200, changed.content
    assert (changed.json()["name"], changed.json()["staff_email"]) == ("Dr. Lee", bob.email)
    assert api.get(f"calendar-feeds/{created['id']}").json()["name"] == "Dr. Lee"
    assert "name" in field_errors(api.patch(f"calendar-feeds/{created['id']}", {"name": ""}))
    assert api.get("calendar-feeds").json()["count"] == 1
    assert api.delete(f"calendar-feeds/{created['id']}").status_code == 204
    assert_problem(api.get(f"calendar-feeds/{created['id']}"), 404)


def test_another_organization_sees_none_of_it(api_b, created):
    assert_problem(api_b.get(f"calendar-feeds/{created['id']}"), 404)
    assert_problem(api_b.post(f"calendar-feeds/{created['id']}/poll"), 404)
    assert_problem(api_b.delete(f"calendar-feeds/{created['id']}"), 404)
    assert api_b.get("calendar-feeds").json()["count"] == 0


def test_poll_now_fetches_and_imports(api, created, feed_server, alice):
    start = (timezone.now() + timedelta(days=2)).astimezone(UTC).replace(microsecond=0)
    feed_server.serve(vcalendar(vevent("evt-1", start)))
    polled = api.post(f"calendar-feeds/{created['id']}/poll")
    assert polled.status_code == 200, polled.content
    body = polled.json()
    assert body["last_outcome"] == "imported" and body["last_polled_at"]
    run_now(CalendarFeed.objects.get(pk=created["id"]).last_run)
    shown = api.get(f"calendar-feeds/{created['id']}").json()
    assert shown["counts"]["added"] == 1
    report = api.get(f"imports/{shown['import_id']}/rows").json()
    assert [row["uid"] for row in report["items"]] == ["evt-1"]
    appointment = Appointment.objects.get(external_id="evt-1")
    assert appointment.staff == alice and appointment.start == start

    feed_server.answers.append(Answer(500))
    failed = api.post(f"calendar-feeds/{created['id']}/poll").json()
    assert (failed["last_outcome"], failed["last_error"]) == (
        "failed",
        "the address answered HTTP 500",
    )
    assert failed["failing_since"]
