"""Your preferences: your name, and a time zone of your own that every page then uses."""

import datetime as dt

import pytest
import time_machine

from hushpost.activity.log import record
from hushpost.activity.models import Event, EventKind

pytestmark = pytest.mark.django_db


def test_a_staff_member_chooses_their_own_zone_and_every_time_follows(alice_client, alice, org_a):
    with time_machine.travel(dt.datetime(2026, 3, 3, 15, 0, tzinfo=dt.UTC), tick=False):
        record(org_a, EventKind.SETTINGS_CHANGED, actor=alice, fields="subject")
    before = alice_client.get("/activity/").content.decode()
    assert "Tue 3 Mar 2026, 10:00 a.m. EST" in before  # the organization's New York
    response = alice_client.post(
        "/me/", {"first_name": "Alice", "last_name": "Lee", "time_zone": "Europe/Berlin"}
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.time_zone == "Europe/Berlin"
    after = alice_client.get("/activity/").content.decode()
    assert "Tue 3 Mar 2026, 4:00 p.m. CET" in after and "Times in Europe/Berlin (CET)." in after
    event = Event.objects.filter(kind=EventKind.USER_CHANGED).latest("id")
    assert event.detail["action"] == "preferences" and event.detail["fields"] == "time_zone"
    assert "Europe/Berlin" not in str(event.detail)


def test_colleagues_keep_the_organizations_zone(bob_client, alice, org_a):
    alice.time_zone = "Europe/Berlin"
    alice.save()
    with time_machine.travel(dt.datetime(2026, 3, 3, 15, 0, tzinfo=dt.UTC), tick=False):
        record(org_a, EventKind.SETTINGS_CHANGED, actor=alice, fields="subject")
    assert "10:00 a.m. EST" in bob_client.get("/activity/").content.decode()


def test_an_unknown_zone_is_refused_and_nothing_changes(alice_client, alice):
    response = alice_client.post("/me/", {"first_name": "A", "time_zone": "Mars/Olympus"})
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    alice.refresh_from_db()
    assert alice.time_zone == "" and alice.first_name == "Alice"


def test_the_picker_offers_the_organizations_zone_first_and_current_names_only(alice_client):
    html = alice_client.get("/me/").content.decode()
    assert '<option value="" selected>The organization&#x27;s: America/New_York</option>' in html
    assert 'value="US/Eastern"' not in html and 'value="America/New_York"' in html


def test_a_new_name_shows_in_the_top_bar(alice_client):
    alice_client.post("/me/", {"first_name": "Ally", "last_name": "Lee", "time_zone": ""})
    assert ">Ally Lee</a>" in alice_client.get("/me/").content.decode()
