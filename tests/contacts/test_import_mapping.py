import pytest

from hushpost.contacts.import_mapping import (
    mapping_errors,
    suggest_mapping,
    targets_for,
    unknown_custom_target,
)
from hushpost.contacts.models import CustomField

pytestmark = pytest.mark.django_db


@pytest.fixture
def fields(org_a):
    return [
        CustomField.objects.create(
            organization=org_a, key="patient_no", label="Patient number", field_type="number"
        ),
        CustomField.objects.create(
            organization=org_a, key="dob", label="Date of birth", field_type="date"
        ),
    ]


def test_it_guesses_standard_columns_whatever_their_case_spacing_or_underscores(fields):
    headers = [
        "Full Name",
        "Mobile",
        "E-mail",
        "TIME_ZONE",
        "Language",
        "Secure PIN",
        "SMS opt out",
        "email_opt_out",
        "Notes",
    ]
    assert list(suggest_mapping(headers, fields).values()) == [
        "name",
        "phone",
        "email",
        "time_zone",
        "language",
        "secure_pin",
        "sms_opt_out",
        "email_opt_out",
        "ignore",
    ]


def test_it_knows_phone_number_and_custom_fields_by_key_label_or_prefix(fields):
    mapping = suggest_mapping(["Name", "Phone number", "Patient Number", "custom.dob"], fields)
    assert mapping == {"0": "name", "1": "phone", "2": "custom.patient_no", "3": "custom.dob"}
    assert suggest_mapping(["name", "patient_no", "Custom.DOB"], fields)["1"] == "custom.patient_no"
    assert suggest_mapping(["name", "patient_no", "Custom.DOB"], fields)["2"] == "custom.dob"


def test_it_never_suggests_a_target_twice(fields):
    assert suggest_mapping(["Name", "Phone", "Mobile"], fields) == {
        "0": "name",
        "1": "phone",
        "2": "ignore",
    }


def test_it_maps_a_header_naming_a_missing_custom_field_to_that_unknown_field(fields):
    assert suggest_mapping(["Name", "Email", "custom.no_such"], fields)["2"] == "custom.no_such"
    assert unknown_custom_target("custom.no_such", fields) == "custom.no_such"
    assert unknown_custom_target("custom.Patient_No", fields) is None
    assert unknown_custom_target("Notes", fields) is None


def test_it_offers_every_standard_field_and_the_organizations_custom_fields(fields):
    values = [value for value, _ in targets_for(fields)]
    assert values == [
        "ignore",
        "name",
        "phone",
        "email",
        "time_zone",
        "language",
        "secure_pin",
        "sms_opt_out",
        "email_opt_out",
        "custom.patient_no",
        "custom.dob",
    ]


def test_it_requires_a_name_and_a_phone_or_email():
    headers = ["A", "B"]
    assert mapping_errors({"0": "name", "1": "email"}, headers) == []
    assert mapping_errors({"0": "name", "1": "phone"}, headers) == []
    assert mapping_errors({"0": "email", "1": "ignore"}, headers) == [
        "Choose the column that holds the contact's name."
    ]
    assert "mobile phone or the email" in mapping_errors({"0": "name", "1": "language"}, headers)[0]


def test_it_refuses_the_same_target_twice():
    errors = mapping_errors(
        {"0": "name", "1": "email", "2": "email"}, ["Name", "Work email", "Home email"]
    )
    assert errors == ["“Work email” and “Home email” are both mapped to Email; choose one."]
