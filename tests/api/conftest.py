"""Contacts and custom fields the API tests share. The API keys and the clients that send them
(`key_a`, `key_b`, `api`, `api_b`) are in tests/conftest.py."""

from __future__ import annotations

import pytest

from hushpost.contacts.models import CustomField
from tests.api.helpers import ApiClient, make_contact


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
