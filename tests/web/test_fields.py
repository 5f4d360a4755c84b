"""Field settings: custom fields per organization, used in templates as {{ custom.key }}."""

import pytest

from hushpost.activity.models import Event, EventKind
from hushpost.contacts.models import Contact, CustomField
from hushpost.messaging.models import SecureMessagingSettings

pytestmark = pytest.mark.django_db

LIST = "/settings/fields/"
NEW = "/settings/fields/new/"


def make_field(org, key="insurance", label="Insurance number", field_type="text"):
    return CustomField.objects.create(organization=org, key=key, label=label, field_type=field_type)


def errors(response, name):
    return [str(e) for e in response.context["form"].errors.get(name, [])]


def use_in_settings(org, **templates):
    settings = SecureMessagingSettings.objects.for_org(org)
    for name, value in templates.items():
        setattr(settings, name, value)
    settings.save()


def test_it_lists_the_organizations_fields_with_key_and_type(alice_client, org_a, org_b):
    make_field(org_a, "insurance", "Insurance number")
    make_field(org_a, "visits", "Visits", "number")
    make_field(org_b, "case_no", "Case number")
    html = alice_client.get(LIST).content.decode()
    assert "Insurance number" in html and "{{ custom.insurance }}" in html and "Number" in html
    assert "Case number" not in html


def test_the_list_says_which_templates_use_a_field(alice_client, org_a):
    make_field(org_a, "pin_field", "PIN field")
    use_in_settings(org_a, default_pin="{{ custom.pin_field }}")
    assert (
        "the default contact PIN in Messaging settings" in alice_client.get(LIST).content.decode()
    )


def test_an_owner_creates_a_field_and_it_is_logged(alice_client, org_a, alice):
    response = alice_client.post(
        NEW, {"key": "insurance", "label": "Insurance number", "field_type": "text"}
    )
    assert response.status_code == 302
    field = CustomField.objects.get(organization=org_a)
    assert (field.key, field.label, field.field_type) == ("insurance", "Insurance number", "text")
    event = Event.objects.get(kind=EventKind.FIELDS_CHANGED)
    assert event.actor == alice
    assert event.detail == {
        "key": "insurance",
        "change": "created",
        "type": "text",
        "ip": "127.0.0.1",
    }
    assert "Field Insurance number added." in alice_client.get(LIST).content.decode()


@pytest.mark.parametrize(
    "key", ["Insurance", "1st_visit", "_x", "has-hyphen", "has space", "ünicode", "a" * 51, ""]
)
def test_a_key_that_is_not_lowercase_letters_digits_and_underscores_is_refused(
    alice_client, org_a, key
):
    response = alice_client.post(NEW, {"key": key, "label": "L", "field_type": "text"})
    assert response.status_code == 200
    assert errors(response, "key")
    assert not CustomField.objects.exists()


@pytest.mark.parametrize(
    "key",
    [
        "size",
        "first",
        "last",
        "contact",
        "custom",
        "user",
        "secure_link",
        "true",
        "empty",
        "and",
        "in",
        "limit",
    ],
)
def test_a_key_that_clashes_with_template_names_is_refused(alice_client, org_a, key):
    response = alice_client.post(NEW, {"key": key, "label": "L", "field_type": "text"})
    assert any("already means something in templates" in e for e in errors(response, "key"))


def test_a_duplicate_key_is_refused_with_a_clear_error_but_another_org_may_use_it(
    alice_client, org_a, org_b
):
    make_field(org_a, "insurance")
    make_field(org_b, "visits")
    response = alice_client.post(NEW, {"key": "insurance", "label": "Again", "field_type": "text"})
    assert errors(response, "key") == [
        "This organization already has a field with the key “insurance”."
    ]
    assert (
        alice_client.post(
            NEW, {"key": "visits", "label": "Visits", "field_type": "number"}
        ).status_code
        == 302
    )


def test_editing_changes_label_and_type_but_never_the_key(alice_client, org_a):
    field = make_field(org_a, "insurance", "Insurance")
    page = alice_client.get(f"/settings/fields/{field.pk}/edit/").content.decode()
    assert "templates refer to this field as {{ custom.insurance }}" in page
    response = alice_client.post(
        f"/settings/fields/{field.pk}/edit/",
        {"key": "renamed", "label": "Policy number", "field_type": "number"},
    )
    assert response.status_code == 302
    field.refresh_from_db()
    assert (field.key, field.label, field.field_type) == ("insurance", "Policy number", "number")
    event = Event.objects.get(kind=EventKind.FIELDS_CHANGED)
    assert event.detail == {
        "key": "insurance",
        "change": "updated",
        "fields": "label, field_type",
        "ip": "127.0.0.1",
    }


def test_a_type_change_that_existing_values_dont_fit_is_refused(alice_client, org_a):
    field = make_field(org_a, "ref", "Reference")
    Contact.objects.create(
        organization=org_a, name="A", email="a@x.example", custom={"ref": "ABC-1"}
    )
    Contact.objects.create(organization=org_a, name="B", email="b@x.example", custom={"ref": "12"})
    response = alice_client.post(
        f"/settings/fields/{field.pk}/edit/", {"label": "Reference", "field_type": "number"}
    )
    assert errors(response, "field_type") == [
        "1 contact has a value in this field that is not a number; correct them first."
    ]
    field.refresh_from_db()
    assert field.field_type == "text"


def test_a_type_change_stores_values_in_the_new_types_form(alice_client, org_a):
    field = make_field(org_a, "born", "Born")
    contact = Contact.objects.create(
        organization=org_a, name="A", email="a@x.example", custom={"born": "31/12/1980"}
    )
    assert (
        alice_client.post(
            f"/settings/fields/{field.pk}/edit/", {"label": "Born", "field_type": "date"}
        ).status_code
        == 302
    )
    contact.refresh_from_db()
    assert contact.custom == {"born": "1980-12-31"}


def test_saving_without_changes_logs_nothing(alice_client, org_a):
    field = make_field(org_a)
    alice_client.post(
        f"/settings/fields/{field.pk}/edit/", {"label": field.label, "field_type": field.field_type}
    )
    assert not Event.objects.filter(kind=EventKind.FIELDS_CHANGED).exists()


def test_deleting_asks_first_then_removes_the_field_and_its_values(alice_client, org_a):
    field = make_field(org_a, "insurance")
    contact = Contact.objects.create(
        organization=org_a, name="A", email="a@x.example", custom={"insurance": "X1", "other": "y"}
    )
    confirm = alice_client.get(f"/settings/fields/{field.pk}/delete/").content.decode()
    assert "1 contact has a value in it" in confirm and "Delete Insurance number" in confirm
    assert CustomField.objects.exists()
    response = alice_client.post(f"/settings/fields/{field.pk}/delete/")
    assert response.status_code == 302
    assert not CustomField.objects.exists()
    contact.refresh_from_db()
    assert contact.custom == {"other": "y"}
    event = Event.objects.get(kind=EventKind.FIELDS_CHANGED)
    assert event.detail == {
        "key": "insurance",
        "change": "deleted",
        "values_cleared": 1,
        "ip": "127.0.0.1",
    }


@pytest.mark.parametrize(
    ("setting", "template", "where"),
    [
        ("subject", "Hi {{ custom.insurance }}", "the notification subject"),
        ("body", "{{ custom.insurance }} {{ secure_link }}", "the notification body"),
        ("default_pin", "{{ custom.insurance | upcase }}", "the default contact PIN"),
    ],
)
def test_deleting_a_field_used_by_the_secure_settings_is_refused(
    alice_client, org_a, setting, template, where
):
    field = make_field(org_a, "insurance")
    use_in_settings(org_a, **{setting: template})
    confirm = alice_client.get(f"/settings/fields/{field.pk}/delete/").content.decode()
    assert "This field can't be deleted." in confirm and where in confirm
    assert "Delete Insurance number</button>" not in confirm
    response = alice_client.post(f"/settings/fields/{field.pk}/delete/")
    assert response.status_code == 409
    assert "{{ custom.insurance }} is used by " + where in response.content.decode()
    assert CustomField.objects.filter(pk=field.pk).exists()
    assert not Event.objects.filter(kind=EventKind.FIELDS_CHANGED).exists()


def test_a_literal_default_pin_that_spells_the_key_does_not_block_deletion(alice_client, org_a):
    field = make_field(org_a, "insurance")
    use_in_settings(org_a, default_pin="insurance")
    assert alice_client.post(f"/settings/fields/{field.pk}/delete/").status_code == 302


def test_a_member_sees_the_list_but_cannot_change_fields(bob_client, org_a):
    field = make_field(org_a)
    html = bob_client.get(LIST).content.decode()
    assert "Insurance number" in html and "Add field" not in html and "/delete/" not in html
    assert bob_client.get(NEW).status_code == 403
    assert bob_client.post(NEW, {"key": "x", "label": "X", "field_type": "text"}).status_code == 403
    assert (
        bob_client.post(
            f"/settings/fields/{field.pk}/edit/", {"label": "Changed", "field_type": "text"}
        ).status_code
        == 403
    )
    assert bob_client.post(f"/settings/fields/{field.pk}/delete/").status_code == 403
    field.refresh_from_db()
    assert field.label == "Insurance number"
    assert CustomField.objects.count() == 1


def test_another_organizations_field_is_404_for_every_action(alice_client, org_b):
    theirs = make_field(org_b, "case_no", "Case number")
    for url in (f"/settings/fields/{theirs.pk}/edit/", f"/settings/fields/{theirs.pk}/delete/"):
        assert alice_client.get(url).status_code == 404
        assert alice_client.post(url, {"label": "Changed", "field_type": "text"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.label == "Case number"
