"""What previews mask: the contact's PIN and sensitive values, wherever they appear."""

import pytest

from hushpost.contacts.models import CustomField
from hushpost.contacts.sensitive import MASK, mask, secret_values
from tests.api.helpers import make_contact

pytestmark = pytest.mark.django_db


def test_values_are_masked_wherever_they_appear_longest_first():
    text = "PIN 7316, again 7316; policy PX-7316-B."
    assert mask(text, ["PX-7316-B", "7316"]) == f"PIN {MASK}, again {MASK}; policy {MASK}."


def test_short_values_are_masked_only_as_whole_words():
    assert mask("A1 and XA1Y and a1", ["A1"]) == f"{MASK} and XA1Y and a1"


def test_the_secrets_of_a_contact_are_its_pin_and_sensitive_values(org_a):
    CustomField.objects.create(organization=org_a, key="dob", label="DOB", sensitive=True)
    CustomField.objects.create(organization=org_a, key="ward", label="Ward")
    contact = make_contact(org_a, "Jane Roe", pin="Own1")
    contact.custom = {"dob": "1984-03-02", "ward": "East"}
    contact.save()
    assert secret_values(contact, ["PIN-FROM-TEMPLATE", None, " "]) == [
        "PIN-FROM-TEMPLATE",
        "1984-03-02",
        "Own1",
    ]
    assert secret_values(None, ["1234"]) == ["1234"]
