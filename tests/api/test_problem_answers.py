"""Every answer under /api/v1/ that is an error is problem JSON, whatever made it."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.api.helpers import assert_problem

pytestmark = pytest.mark.django_db


def test_a_post_to_an_unknown_path_is_a_problem_404_not_a_csrf_page(alice, api):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)  # even with a staff session cookie and no CSRF token
    for client in (strict, api, Client()):
        body = assert_problem(client.post("/api/v1/no-such-thing", {}), 404)
        assert "no such API endpoint" in body["detail"]
        assert_problem(client.delete("/api/v1/contacts/x/y/z"), 404)


def test_a_wrong_method_is_a_problem_405_with_allow(api):
    response = api.put("webhooks", {})
    body = assert_problem(response, 405)
    assert "PUT is not allowed" in body["detail"] and "POST" in response["Allow"]


def test_a_body_too_large_to_read_is_a_problem(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api.post("contacts", {"name": "x" * 5000, "email": "big@example.com"})
    assert_problem(response, 400)


def test_a_body_that_is_not_json_is_a_problem(api):
    response = api.post("messages", "{not json")
    assert assert_problem(response, 400)["detail"].startswith("The body is not JSON")
