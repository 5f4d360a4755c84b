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


def test_it_never_suggests_a_single_target_twice_and_prefers_the_mobile(fields):
    # The mobile is the number to text; a plain "Phone" beside it is another number.
    assert suggest_mapping(["Name", "Phone", "Mobile", "Email", "E-mail 2"], fields) == {
        "0": "name",
        "1": "other_phone",
        "2": "phone",
        "3": "email",
        "4": "other_email",
    }
    assert suggest_mapping(["Name", "Language", "Sprache"], fields)["2"] == "ignore"


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
        "first_name",
        "middle_name",
        "last_name",
        "phone",
        "other_phone",
        "email",
        "other_email",
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
        "Choose the column that holds the contact's name (or first and last name)."
    ]
    assert mapping_errors({"0": "last_name", "1": "other_phone"}, headers) == []
    assert "mobile phone or the email" in mapping_errors({"0": "name", "1": "language"}, headers)[0]


def test_it_refuses_the_same_target_twice():
    errors = mapping_errors(
        {"0": "name", "1": "email", "2": "email"}, ["Name", "Work email", "Home email"]
    )
    assert errors == ["“Work email” and “Home email” are both mapped to Email; choose one."]


@pytest.mark.parametrize(
    "headers, expected",
    [
        # Google Contacts, current export: label/value pairs, typed at import by the label.
        (
            [
                "First Name",
                "Last Name",
                "E-mail 1 - Label",
                "E-mail 1 - Value",
                "Phone 1 - Label",
                "Phone 1 - Value",
                "Phone 2 - Label",
                "Phone 2 - Value",
            ],
            [
                "first_name",
                "last_name",
                "ignore",
                "email",
                "ignore",
                "other_phone",
                "ignore",
                "other_phone",
            ],
        ),
        # Google Contacts, older export.
        (
            [
                "Name",
                "Given Name",
                "Additional Name",
                "Family Name",
                "Language",
                "E-mail 1 - Type",
                "E-mail 1 - Value",
                "Phone 1 - Type",
                "Phone 1 - Value",
            ],
            [
                "name",
                "first_name",
                "middle_name",
                "last_name",
                "language",
                "ignore",
                "email",
                "ignore",
                "other_phone",
            ],
        ),
        # Outlook: faxes, pagers and display names are never values to import.
        (
            [
                "First Name",
                "Middle Name",
                "Last Name",
                "Business Phone",
                "Business Fax",
                "Home Phone",
                "Mobile Phone",
                "Pager",
                "Primary Phone",
                "E-mail Address",
                "E-mail Type",
                "E-mail Display Name",
                "E-mail 2 Address",
                "Language",
            ],
            [
                "first_name",
                "middle_name",
                "last_name",
                "other_phone",
                "ignore",
                "other_phone",
                "phone",
                "ignore",
                "other_phone",
                "email",
                "ignore",
                "ignore",
                "other_email",
                "language",
            ],
        ),
        # Apple/iCloud exporters.
        (
            ["First name", "Last name", "Phone : mobile", "Phone : home", "Email : home"],
            ["first_name", "last_name", "phone", "other_phone", "other_email"],
        ),
        # Outlook in German, Spanish and French.
        (
            ["Vorname", "Nachname", "Mobiltelefon", "Telefon privat", "E-Mail-Adresse", "Sprache"],
            ["first_name", "last_name", "phone", "other_phone", "email", "language"],
        ),
        (
            ["Nombre", "Apellidos", "Teléfono móvil", "Dirección de correo electrónico", "Idioma"],
            ["first_name", "last_name", "phone", "email", "language"],
        ),
        (
            ["Prénom", "Nom", "Téléphone mobile", "Adresse de messagerie", "Langue"],
            ["first_name", "last_name", "phone", "email", "language"],
        ),
        # Alone, "Nombre" is the whole name.
        (["Nombre", "Móvil"], ["name", "phone"]),
    ],
)
def test_it_recognises_address_book_exports(headers, expected):
    assert list(suggest_mapping(headers, []).values()) == expected
