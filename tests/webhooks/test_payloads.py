"""Payloads carry ids and states, never content or contact details."""

from __future__ import annotations

import json

import pytest

from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.webhooks.examples import every_type, example_payload
from hushpost.webhooks.payloads import event_payload, mask

pytestmark = pytest.mark.django_db


def test_a_failed_delivery_says_why_with_addresses_and_numbers_masked(org_a, jane):
    event = record(
        org_a,
        EventKind.FAILED,
        contact=jane,
        channel="email",
        reason="the mail server refused the address: 550 5.1.1 <jane@example.com> unknown",
        code="550",
        attempt=1,
    )
    payload = event_payload(event, org_a.slug)
    assert payload["type"] == "failed"
    assert payload["timestamp"].endswith("Z")
    data = payload["data"]
    assert data["reason"] == "the mail server refused the address: 550 5.1.1 <[email]> unknown"
    assert (data["status"], data["channel"], data["code"], data["attempt"]) == (
        "failed",
        "email",
        "550",
        1,
    )
    assert data["organization"] == "riverside" and data["event_id"] == event.pk


def test_detail_outside_the_allowlist_never_goes_out(org_a, jane):
    event = record(
        org_a,
        EventKind.USER_CHANGED,
        action="invited",
        user="new.hire@riverside.example",
        role="member",
        ip="203.0.113.9",
    )
    text = json.dumps(event_payload(event, org_a.slug))
    assert "new.hire" not in text and "203.0.113.9" not in text
    assert '"action": "invited"' in text and '"role": "member"' in text


@pytest.mark.parametrize(
    "text",
    [
        "The 'To' number +14155551234 is not a valid phone number",
        "no answer from (415) 555-1234",
        "bounced: Jane.Roe+tag@Example.COM",
    ],
)
def test_mask_hides_numbers_and_addresses(text):
    masked = mask(text)
    assert "555" not in masked and "@" not in masked


def test_every_type_has_an_example_without_content():
    types = [kind for kind, _ in every_type()]
    assert set(EventKind.values) < set(types)
    for kind in types:
        example = example_payload(kind)
        assert example["type"] == kind
        assert {"event_id", "organization"} <= set(example["data"])
    assert example_payload("failed")["data"]["delivery_id"]
    assert example_payload("appointment_created")["data"]["appointment_id"]
