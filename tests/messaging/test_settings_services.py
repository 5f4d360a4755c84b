"""The plain functions behind Messaging settings and Field settings, as the API will call them."""

import pytest

from hushpost.activity.models import Event, EventKind
from hushpost.contacts.models import CustomField
from hushpost.messaging import field_settings
from hushpost.messaging.field_settings import (
    FieldInUse,
    FieldRefused,
    create_field,
    delete_field,
    key_problem,
)
from hushpost.messaging.models import DEFAULT_BODY, DEFAULT_SUBJECT, SecureMessagingSettings
from hushpost.messaging.secure_settings import SettingsInvalid, SettingsValues, check, save_settings

pytestmark = pytest.mark.django_db

GOOD = SettingsValues(
    enabled=True, subject=DEFAULT_SUBJECT, body=DEFAULT_BODY, link_lifetime="6mo", default_pin=""
)


def test_the_defaults_pass_every_check(org_a):
    assert check(org_a, SettingsValues.of(SecureMessagingSettings.objects.for_org(org_a))) == {}


def test_save_settings_refuses_everything_at_once_and_saves_nothing(org_a, alice):
    bad = SettingsValues(
        enabled=True, subject="{{ nope }}", body="no link", link_lifetime="2w", default_pin="a b"
    )
    with pytest.raises(SettingsInvalid) as raised:
        save_settings(org_a, alice, bad)
    assert set(raised.value.problems) == {"subject", "body", "link_lifetime", "default_pin"}
    settings = SecureMessagingSettings.objects.for_org(org_a)
    assert (settings.enabled, settings.link_lifetime) == (False, "24h")
    assert not Event.objects.exists()


def test_save_settings_returns_what_changed_and_nothing_the_second_time(org_a, alice):
    assert save_settings(org_a, alice, GOOD) == ["enabled", "link_lifetime"]
    assert save_settings(org_a, alice, GOOD) == []
    assert Event.objects.filter(kind=EventKind.SETTINGS_CHANGED).count() == 1


def test_a_template_naming_a_field_deleted_meanwhile_is_refused_on_save(org_a, alice):
    field = CustomField.objects.create(organization=org_a, key="insurance", label="Insurance")
    values = SettingsValues(
        True, DEFAULT_SUBJECT, "{{ custom.insurance }} {{ secure_link }}", "24h", ""
    )
    assert check(org_a, values) == {}
    field.delete()  # between the form's check and the save
    with pytest.raises(SettingsInvalid) as raised:
        save_settings(org_a, alice, values)
    assert raised.value.problems["body"] == ["Line 1, column 4: unknown field custom.insurance"]


def test_create_field_refuses_a_bad_or_taken_key_naming_the_form_field(org_a, alice):
    create_field(org_a, actor=alice, key="insurance", label="Insurance", field_type="text")
    for key in ("insurance", "Bad", "true"):
        with pytest.raises(FieldRefused) as raised:
            create_field(org_a, actor=alice, key=key, label="L", field_type="text")
        assert raised.value.field == "key"
    assert key_problem(org_a, "visit_2") is None


def test_templates_registered_by_other_apps_also_block_deletion(org_a, alice, monkeypatch):
    field = CustomField.objects.create(organization=org_a, key="room", label="Room")
    monkeypatch.setattr(field_settings, "_template_sources", list(field_settings._template_sources))
    field_settings.register_template_source(
        lambda org: [("the auto message “Reminder”", "Room {{ custom.room }}")]
    )
    with pytest.raises(FieldInUse) as raised:
        delete_field(field, actor=alice)
    assert raised.value.used_in == ["the auto message “Reminder”"]
    assert CustomField.objects.filter(pk=field.pk).exists()
