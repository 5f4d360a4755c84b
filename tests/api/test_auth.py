import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from hushpost.accounts.api_keys import revoke_key
from hushpost.accounts.models import ApiKey
from hushpost.api import contacts as contacts_router
from tests.api.helpers import ApiClient, assert_problem

pytestmark = pytest.mark.django_db


def test_a_request_without_a_key_is_401_problem_json(anonymous):
    response = anonymous.get("contacts")
    body = assert_problem(response, 401)
    assert body["detail"] == "Send an API key as the header Authorization: Bearer <key>."
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Basic aGk6dGhlcmU=", "Bearer", "hp_abc", "Bearer  "])
def test_a_malformed_authorization_header_is_401(header, key_a):
    client = ApiClient()
    assert_problem(client.get("/api/v1/contacts", headers={"Authorization": header}), 401)


def test_a_wrong_key_is_401(key_a):
    raw = key_a[1]
    for wrong in (raw[:-1] + ("A" if raw[-1] != "A" else "B"), "hp_" + "x" * 43, "not-even-ours"):
        body = assert_problem(ApiClient(wrong).get("contacts"), 401)
        assert body["detail"] == "The API key is not valid: it is unknown or has been revoked."


def test_a_revoked_key_stops_working_at_once(api, key_a):
    assert api.get("contacts").status_code == 200
    revoke_key(key_a[0])
    assert_problem(api.get("contacts"), 401)


def test_the_key_chooses_the_organization(api, api_b, dana, hidden):
    assert [c["name"] for c in api.get("contacts").json()["items"]] == ["Dana Reyes"]
    assert [c["name"] for c in api_b.get("contacts").json()["items"]] == ["Hidden Person"]


def test_last_used_is_written_at_most_once_a_minute(api, key_a):
    key = key_a[0]
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        api.get("contacts")
    key.refresh_from_db()
    assert key.last_used_at == start
    with time_machine.travel(start + dt.timedelta(seconds=59), tick=False):
        api.get("contacts")
    key.refresh_from_db()
    assert key.last_used_at == start
    with time_machine.travel(start + dt.timedelta(seconds=61), tick=False):
        api.get("contacts")
    key.refresh_from_db()
    assert key.last_used_at == start + dt.timedelta(seconds=61)


def test_only_the_hash_of_a_key_is_stored(key_a):
    key, raw = key_a
    stored = ApiKey.objects.filter(pk=key.pk).values().get()
    assert raw not in str(stored)
    assert raw.startswith(key.prefix) and len(key.prefix) == 11 and len(stored["key_hash"]) == 64


def test_unknown_paths_and_methods_are_problems_too(api):
    assert_problem(api.get("nothing-here"), 404)
    assert_problem(api.get("/api/v1/"), 404)
    response = api.post("events", {})
    assert_problem(response, 405)
    assert response["Allow"] == "GET"


def test_an_unexpected_error_is_a_500_problem_without_internals(api, monkeypatch, dana):
    def explode(*args, **kwargs):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(contacts_router, "contact_out", explode)
    response = api.get(f"contacts/{dana.pk}")
    body = assert_problem(response, 500)
    assert (
        "hunter2" not in response.content.decode()
        and "RuntimeError" not in response.content.decode()
    )
    assert body["title"] == "Internal Server Error"
