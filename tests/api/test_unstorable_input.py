"""Input the database can't store is a 422 naming the field, never a 500.

Each case below was a server error found by the schemathesis fuzz test on
PostgreSQL (NUL in text, lone surrogates in JSON, UTC offsets past ±14:00,
instants outside years 1-9999).
"""

import pytest

from hushpost.appointments.models import Appointment
from hushpost.contacts.models import Contact
from tests.api.helpers import assert_problem, field_errors

pytestmark = pytest.mark.django_db


def test_a_nul_in_a_search_is_refused(api, dana):
    response = api.get("contacts", {"search": "Da\x00na"})
    assert field_errors(response) == {
        "search": "This value contains a NUL character (\\u0000), which can't be stored: remove it."
    }


def test_a_nul_or_a_lone_surrogate_in_a_json_body_is_refused_by_field_and_nothing_is_stored(
    api, org_a
):
    response = api.post("contacts", {"name": "Eve\x00", "email": "eve\ud800@example.com"})
    errors = field_errors(response)
    assert set(errors) == {"name", "email"}
    assert "NUL" in errors["name"] and "surrogate" in errors["email"]
    assert not Contact.objects.for_org(org_a).exists()


def test_nested_values_are_named_by_their_path(api, dana):
    response = api.patch(f"contacts/{dana.pk}", {"custom": {"patient_number": "P\x00"}})
    assert set(field_errors(response)) == {"custom.patient_number"}


def test_a_nul_in_the_path_is_refused(api):
    response = api.put("appointments/by-external-id/abc%00def", {})
    assert_problem(response, 422)
    assert set(field_errors(response)) == {"path"}


def test_a_utc_offset_no_place_uses_is_refused(api, dana):
    response = api.get("events", {"since": "1685-06-05T07:50:30-19:44"})
    assert field_errors(response) == {"since": "the UTC offset must be between -14:00 and +14:00"}


def test_an_instant_outside_the_calendar_in_utc_is_refused(api, dana):
    body = {
        "contact_id": str(dana.pk),
        "start": "0001-01-01T05:00:00+14:00",
        "end": "0001-01-01T06:00:00+14:00",
    }
    response = api.put("appointments/by-external-id/ext-1", body)
    assert set(field_errors(response)) == {"start", "end"}
    assert not Appointment.objects.exists()


def test_real_offsets_at_the_edges_still_work(api, dana):
    assert api.get("events", {"since": "2030-01-01T00:00:00+14:00"}).status_code == 200
    assert api.get("appointments", {"from": "2030-01-01T00:00:00-12:00"}).status_code == 200


def test_the_guard_is_only_for_the_api(client):
    # Staff forms have Django's own NUL check; the guard doesn't answer for them.
    assert client.get("/accounts/login/", {"next": "/\x00"}).status_code == 200
