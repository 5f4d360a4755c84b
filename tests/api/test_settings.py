import pytest

from hushpost.activity.models import Event, EventKind
from hushpost.messaging.models import DEFAULT_BODY, DEFAULT_SUBJECT, SecureMessagingSettings
from tests.api.helpers import field_errors

pytestmark = pytest.mark.django_db

URL = "settings/secure-messaging"
GOOD = {
    "enabled": True,
    "subject": "A secure message from {{ user.company }}",
    "body": "Hi {{ contact.first_name }}, read it here: {{ secure_link }}",
    "link_lifetime": "10d",
    "default_pin": "{{ custom.portal_pin }}",
}


@pytest.fixture
def portal_pin_field(org_a):
    from hushpost.contacts.models import CustomField

    return CustomField.objects.create(organization=org_a, key="portal_pin", label="Portal PIN")


def test_it_gets_the_defaults(api):
    assert api.get(URL).json() == {
        "enabled": False,
        "subject": DEFAULT_SUBJECT,
        "body": DEFAULT_BODY,
        "link_lifetime": "24h",
        "default_pin": "",
        "translations": {},
    }


def test_put_saves_all_five_and_logs_the_names(api, org_a, portal_pin_field):
    response = api.put(URL, GOOD)
    assert response.status_code == 200, response.content
    assert response.json() == {**GOOD, "translations": {}}
    saved = SecureMessagingSettings.objects.for_org(org_a)
    assert (
        saved.enabled
        and saved.link_lifetime == "10d"
        and saved.default_pin == "{{ custom.portal_pin }}"
    )
    event = Event.objects.for_org(org_a).get(kind=EventKind.SETTINGS_CHANGED)
    assert event.actor_label == "api: Booking system"
    assert event.detail["fields"] == "enabled, subject, body, link_lifetime, default_pin"


def test_put_refuses_a_body_without_the_secure_link(api, org_a):
    errors = field_errors(
        api.put(URL, {**GOOD, "body": "Hello {{ contact.name }}", "default_pin": ""})
    )
    assert set(errors) == {"body"}
    assert "{{ secure_link }}" in errors["body"]
    assert not SecureMessagingSettings.objects.for_org(org_a).enabled


def test_template_errors_carry_line_and_column(api):
    response = api.put(
        URL, {**GOOD, "default_pin": "", "body": "Hello\n{{ secure_link }} {% if %}"}
    )
    errors = field_errors(response)
    assert errors["body"].startswith("Line 2, column ")
    assert "Line 2, column " in response.json()["detail"]


def test_unknown_fields_and_bad_values_are_refused_by_name(api):
    errors = field_errors(
        api.put(
            URL,
            {
                **GOOD,
                "subject": "{{ contact.shoe_size }}",
                "default_pin": "12 34",
                "link_lifetime": "2w",
            },
        )
    )
    assert set(errors) == {"link_lifetime"}  # the schema is checked first
    errors = field_errors(
        api.put(URL, {**GOOD, "subject": "{{ contact.shoe_size }}", "default_pin": "12 34"})
    )
    assert set(errors) == {"subject", "default_pin"}
    assert "shoe_size" in errors["subject"]


def test_put_needs_all_five(api):
    errors = field_errors(api.put(URL, {"enabled": True}))
    assert set(errors) == {"subject", "body", "link_lifetime", "default_pin"}


SPANISH = {
    "subject": "Mensaje seguro de {{ user.company }}",
    "body": "Hola {{ contact.first_name }}, léalo aquí: {{ secure_link }}",
}


def test_put_saves_a_variant_per_language_and_get_returns_them(api, org_a, portal_pin_field):
    response = api.put(URL, {**GOOD, "translations": {"es": SPANISH}})
    assert response.status_code == 200, response.content
    assert response.json()["translations"] == {"es": SPANISH}
    assert api.get(URL).json()["translations"] == {"es": SPANISH}
    event = Event.objects.for_org(org_a).filter(kind=EventKind.SETTINGS_CHANGED).last()
    assert event.detail["fields"].endswith("translations")


def test_put_without_translations_keeps_them_and_an_empty_object_removes_them(
    api, org_a, portal_pin_field
):
    api.put(URL, {**GOOD, "translations": {"es": SPANISH}})
    assert api.put(URL, {**GOOD, "link_lifetime": "1y"}).json()["translations"] == {"es": SPANISH}
    assert api.put(URL, {**GOOD, "translations": {}}).json()["translations"] == {}
    assert SecureMessagingSettings.objects.for_org(org_a).translations == {}


def test_put_refuses_a_bad_variant_by_its_path(api, org_a, portal_pin_field):
    errors = field_errors(
        api.put(
            URL,
            {
                **GOOD,
                "translations": {
                    "es": {"subject": "Hola", "body": "Sin enlace"},
                    "tlh": {"subject": "Qapla'", "body": "{{ secure_link }}"},
                },
            },
        )
    )
    assert set(errors) == {"translations.es.body", "translations.tlh"}
    assert "{{ secure_link }}" in errors["translations.es.body"]
    assert SecureMessagingSettings.objects.for_org(org_a).translations == {}


def test_put_refuses_a_variant_that_is_not_subject_and_body(api, portal_pin_field):
    response = api.put(URL, {**GOOD, "translations": {"es": {"body": "{{ secure_link }}"}}})
    assert response.status_code == 422
