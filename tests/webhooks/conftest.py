"""Webhook endpoints on the loopback receiver (the `receiver` fixture is in tests/conftest.py)."""

from __future__ import annotations

import pytest

from hushpost.webhooks.endpoints import create_endpoint


@pytest.fixture
def endpoint(org_a, receiver):
    """Riverside Clinic's endpoint for every event, and its secret."""
    return create_endpoint(org_a, url=receiver.url, events=["*"], description="EHR")
