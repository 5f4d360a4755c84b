"""The API fuzzed from its own OpenAPI document (schemathesis over WSGI, in-process).

Every operation gets generated requests — valid and schema-breaking — with a
real key of an organization that has contacts, fields and a conversation, so
ids in paths sometimes exist. Checks: never a server error, and every 4xx/5xx
answer is problem JSON. Bounded: a few dozen examples per operation.
"""

from __future__ import annotations

import json
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from tests.portal.conftest import add_message

# Raise it for a deeper hunt:
#   HUSHPOST_FUZZ_EXAMPLES=500 make test PYTEST_ARGS=tests/api/test_fuzz_schemathesis.py
EXAMPLES_PER_OPERATION = int(os.environ.get("HUSHPOST_FUZZ_EXAMPLES", "20"))


# The document is served without a key or a database.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture
def organization_data(db, key_a, dana, fields_a, secure_on):
    add_message(dana, "Fuzzing keeps this conversation company.")
    # Like Django's test client: the WSGI handler must not close the test's
    # connection (and with it the test transaction) at the end of a request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield key_a[1]
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def problem_json(ctx, response, case) -> None:
    """Every error answer says what went wrong in RFC 9457's shape, whatever was sent."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", response.headers.get("Content-Type", [""]))
    content_type = content_type[0] if isinstance(content_type, list) else content_type
    assert content_type.split(";")[0].strip() in ("application/problem+json", "application/json"), (
        f"{response.status_code} answered as {content_type!r}"
    )
    body = json.loads(response.content)
    missing = {"type", "title", "status", "detail"} - set(body)
    assert not missing, f"{response.status_code} problem JSON lacks {sorted(missing)}: {body}"
    assert body["status"] == response.status_code
    return None


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION, deadline=None, suppress_health_check=list(HealthCheck)
)
def test_the_api_never_fails_on_its_side_and_always_explains_errors(case, organization_data):
    # The generated header (made-up keys from the security scheme) gives way to a real one.
    case.headers = {**(case.headers or {}), "Authorization": f"Bearer {organization_data}"}
    response = case.call_and_validate(checks=[not_a_server_error, problem_json])
    # The key is good: the fuzzing reached the handlers, not just the door.
    assert response.status_code != 401, response.content
