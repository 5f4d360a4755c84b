"""API keys for the cast's organizations and clients that send them."""

from __future__ import annotations

import pytest

from hushpost.accounts.api_keys import create_key
from hushpost.contacts.models import CustomField
from tests.api.helpers import ApiClient, make_contact


@pytest.fixture
def key_a(org_a, alice):
    return create_key(org_a, "Booking system", created_by=alice)


@pytest.fixture
def key_b(org_b, mallory):
    return create_key(org_b, "Harbor CRM", created_by=mallory)


@pytest.fixture
def api(key_a) -> ApiClient:
    """Riverside Clinic's integration."""
    return ApiClient(key_a[1])


@pytest.fixture
def api_b(key_b) -> ApiClient:
    """Harbor Law's integration."""
    return ApiClient(key_b[1])


@pytest.fixture
def anonymous() -> ApiClient:
    return ApiClient()


@pytest.fixture
def dana(org_a):
    return make_contact(org_a)


@pytest.fixture
def hidden(org_b):
    """Harbor Law's contact, which Riverside's key must never reach."""
    return make_contact(
        org_b, "Hidden Person", phone="+447700900123", email="hidden@harbor.example", pin="9999"
    )


@pytest.fixture
def fields_a(org_a):
    return [
        CustomField.objects.create(
            organization=org_a, key="patient_number", label="Patient number", field_type="number"
        ),
        CustomField.objects.create(
            organization=org_a, key="birth_date", label="Birth date", field_type="date"
        ),
        CustomField.objects.create(organization=org_a, key="clinic", label="Clinic"),
    ]
