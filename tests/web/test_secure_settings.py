"""Messaging settings (R1): defaults, validation on save (R1.6),
permissions and the live preview."""

import pytest
from django.test import override_settings

from hushpost.activity.models import Event, EventKind
from hushpost.contacts.models import Contact, CustomField
from hushpost.messaging.models import DEFAULT_BODY, DEFAULT_SUBJECT, SecureMessagingSettings

pytestmark = pytest.mark.django_db

URL = "/settings/secure-messaging/"
PREVIEW_URL = "/settings/secure-messaging/preview/"
GOOD = {
    "enabled": "on",
    "subject": "A message from {{ user.name_and_company }}",
    "body": "Hello {{ contact.first_name }},\nread it here: {{ secure_link }}",
    "link_lifetime": "10d",
    "default_pin": "",
    "action": "save",
}


def post(client, **changes):
    return client.post(URL, {**GOOD, **changes})


def saved(org):
    return SecureMessagingSettings.objects.get(organization=org)


def field_errors(response, name):
    return [str(e) for e in response.context["form"].errors.get(name, [])]


def test_the_first_visit_shows_the_defaults_of_r1(alice_client, org_a):
    response = alice_client.get(URL)
    assert response.status_code == 200
    form = response.context["form"]
    assert form["enabled"].value() is False
    assert (
        form["subject"].value()
        == "You've received a secure message from {{ user.name_and_company }}"
        == DEFAULT_SUBJECT
    )
    assert (
        form["body"].value()
        == (
            "You've received a secure message from {{ user.name_and_company }}, "
            "click here to view the conversation: {{ secure_link }}"
        )
        == DEFAULT_BODY
    )
    assert form["link_lifetime"].value() == "24h"
    assert form["default_pin"].value() == ""
    html = response.content.decode()
    for label in (
        "Enable secure messaging",
        "Notification subject (email only)",
        "Notification body",
        "Link lifetime",
        "Default contact PIN",
    ):
        assert label in html
    for choice in ("24 hours", "10 days", "6 months", "1 year"):
        assert f">{choice}</option>" in html


def test_an_owner_saves_every_setting_and_sees_a_notice(alice_client, org_a, alice):
    response = post(alice_client, default_pin="Clinic2024")
    assert response.status_code == 302
    settings = saved(org_a)
    assert settings.enabled is True
    assert settings.subject == GOOD["subject"]
    assert settings.body == "Hello {{ contact.first_name }},\nread it here: {{ secure_link }}"
    assert settings.link_lifetime == "10d"
    assert settings.default_pin == "Clinic2024"
    assert "Messaging settings saved." in alice_client.get(response.url).content.decode()


def test_a_save_logs_one_event_naming_the_changed_fields_but_no_values(alice_client, org_a, alice):
    post(alice_client, default_pin="{{ contact.last_name }}")
    event = Event.objects.get(kind=EventKind.SETTINGS_CHANGED)
    assert event.actor == alice and event.organization == org_a
    assert event.detail["fields"] == "enabled, subject, body, link_lifetime, default_pin"
    assert "last_name" not in str(event.detail) and "secure_link" not in str(event.detail)


def test_saving_without_changes_logs_nothing(alice_client, org_a):
    post(alice_client)
    response = post(alice_client)
    assert Event.objects.filter(kind=EventKind.SETTINGS_CHANGED).count() == 1
    assert "no setting changed" in alice_client.get(response.url).content.decode()


def test_only_the_changed_field_is_named(alice_client, org_a):
    post(alice_client)
    post(alice_client, link_lifetime="1y")
    assert (
        Event.objects.filter(kind=EventKind.SETTINGS_CHANGED).first().detail["fields"]
        == "link_lifetime"
    )


def test_the_body_line_breaks_are_stored_the_same_from_every_browser(alice_client, org_a):
    post(alice_client, body="Hi\r\n{{ secure_link }}")
    assert saved(org_a).body == "Hi\n{{ secure_link }}"


def test_a_body_without_the_secure_link_is_refused_naming_it(alice_client, org_a):
    response = post(alice_client, body="Hello {{ contact.name }}")
    assert response.status_code == 200
    assert any("{{ secure_link }}" in e for e in field_errors(response, "body"))
    assert "must contain {{ secure_link }}" in response.content.decode()


def test_a_syntax_error_is_shown_at_the_field_with_line_and_column(alice_client, org_a):
    response = post(alice_client, body="Hello {{ contact.name }}\nread {{ secure_link }\nthanks")
    errors = field_errors(response, "body")
    assert len(errors) == 1 and errors[0].startswith("Line 2, column ")
    assert (
        'id="id_body_error"' in response.content.decode()
        or "Line 2, column" in response.content.decode()
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "body",
            "{{ custom.no_such_field }} {{ secure_link }}",
            "Line 1, column 4: unknown field custom.no_such_field",
        ),
        (
            "body",
            "Open {{ secure_lnk }}",
            "Line 1, column 9: unknown field secure_lnk (did you mean secure_link?)",
        ),
        (
            "subject",
            "From {{ usr.name }}",
            "Line 1, column 9: unknown field usr.name (did you mean user.name?)",
        ),
        ("subject", "{{ contact.name | shout }}", "Line 1, column 19: unknown filter shout"),
        ("subject", "{% if %}", "Line 1, column 4: missing expression"),
    ],
)
def test_an_unknown_field_or_filter_or_bad_syntax_is_named(
    alice_client, org_a, field, value, message
):
    response = post(alice_client, **{field: value})
    assert message in field_errors(response, field)


def test_a_subject_is_one_line_and_not_empty(alice_client, org_a):
    assert field_errors(post(alice_client, subject=""), "subject")
    assert "The subject is a single line." in field_errors(
        post(alice_client, subject="a\nb"), "subject"
    )


def test_the_link_lifetime_is_one_of_the_four_choices(alice_client, org_a):
    assert field_errors(post(alice_client, link_lifetime="2w"), "link_lifetime")


@pytest.mark.parametrize(
    "pin", ["12 34", "12-34", "pïn!", "{{ contact.nickname }}", "{{ secure_link }}", "{% if %}"]
)
def test_a_bad_default_pin_is_refused(alice_client, org_a, pin):
    assert field_errors(post(alice_client, default_pin=pin), "default_pin")
    assert not SecureMessagingSettings.objects.filter(
        organization=org_a, default_pin_encrypted__gt=""
    ).exists()


@pytest.mark.parametrize(
    "pin",
    [
        "7",
        "ABCdef0123456789" * 8,
        "{{ custom.my_secure_pin_field }}",
        "RC{{ contact.last_name | upcase }}",
    ],
)
def test_a_literal_of_any_length_or_a_template_over_contact_fields_is_a_good_default_pin(
    alice_client, org_a, pin
):
    CustomField.objects.create(organization=org_a, key="my_secure_pin_field", label="PIN field")
    assert post(alice_client, default_pin=pin).status_code == 302
    assert saved(org_a).default_pin == pin
    assert len(pin) < 5 or pin not in saved(org_a).default_pin_encrypted  # encrypted at rest


def test_nothing_is_saved_when_any_field_is_invalid(alice_client, org_a):
    post(alice_client)
    before = Event.objects.count()
    response = post(
        alice_client,
        enabled="",
        subject="Changed {{ user.name }}",
        link_lifetime="1y",
        default_pin="bad pin",
    )
    assert response.status_code == 200
    settings = saved(org_a)
    assert (settings.enabled, settings.subject, settings.link_lifetime, settings.default_pin) == (
        True,
        GOOD["subject"],
        "10d",
        "",
    )
    assert Event.objects.count() == before
    # What was typed is kept for correcting.
    assert response.context["form"]["subject"].value() == "Changed {{ user.name }}"


def test_a_member_sees_the_settings_read_only_and_cannot_change_them(bob_client, org_a):
    response = bob_client.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Only owners and admins can change these settings" in html
    assert "Save settings" not in html
    assert all(field.field.disabled for field in response.context["form"])
    assert post(bob_client, enabled="on").status_code == 403
    assert saved(org_a).enabled is False


def test_a_member_previews_the_saved_settings_whatever_is_posted(bob_client, org_a):
    Contact.objects.create(organization=org_a, name="Jane Roe", email="jane@example.com")
    response = bob_client.post(
        URL, {**GOOD, "body": "Injected {{ secure_link }}", "action": "preview"}
    )
    assert response.status_code == 200
    assert "You&#x27;ve received a secure message from" in response.content.decode()
    assert "Injected" not in str(response.context["preview"].body.text)


def test_another_organizations_settings_are_neither_shown_nor_changed(alice_client, org_a, org_b):
    theirs = SecureMessagingSettings.objects.for_org(org_b)
    theirs.subject = "Harbor private {{ user.name }}"
    theirs.save()
    assert "Harbor private" not in alice_client.get(URL).content.decode()
    post(alice_client)
    assert (
        SecureMessagingSettings.objects.get(organization=org_b).subject
        == "Harbor private {{ user.name }}"
    )


def test_signed_out_visitors_are_sent_to_sign_in(client):
    assert client.get(URL).status_code == 302
    assert client.post(PREVIEW_URL, GOOD).status_code == 302


# The preview -------------------------------------------------------------------------


@pytest.fixture
def jane(org_a):
    CustomField.objects.create(organization=org_a, key="my_secure_pin_field", label="PIN field")
    return Contact.objects.create(
        organization=org_a,
        name="Jane Roe",
        email="jane@example.com",
        custom={"my_secure_pin_field": "8642"},
    )


@pytest.fixture
def sam(org_a):
    return Contact.objects.create(organization=org_a, name="Sam Poe", phone="+14155550100")


@override_settings(BASE_URL="https://hush.example")
def test_the_page_previews_the_saved_settings_for_the_first_contact(alice_client, org_a, jane, sam):
    preview = alice_client.get(URL).context["preview"]
    assert preview.contact == jane
    assert (
        preview.subject.text
        == "You've received a secure message from Alice Lee at Riverside Clinic"
    )
    assert preview.body.text.endswith(
        "click here to view the conversation: https://hush.example/s/preview-link"
    )
    assert (preview.pin.pin, preview.pin.source) == (None, "none")


def test_the_preview_without_javascript_renders_unsaved_values_and_saves_nothing(
    alice_client, org_a, jane, sam
):
    response = alice_client.post(
        URL,
        {
            **GOOD,
            "body": "Dear {{ contact.name }}: {{ secure_link }}",
            "default_pin": "{{ custom.my_secure_pin_field }}",
            "preview_contact": str(sam.pk),
            "action": "preview",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Dear Sam Poe: http" in html
    assert "Held back:" in html  # Sam has no value in the PIN field
    assert (
        "the default PIN template {{ custom.my_secure_pin_field }} is empty for this contact"
        in html
    )
    assert not SecureMessagingSettings.objects.filter(organization=org_a, enabled=True).exists()
    assert not Event.objects.filter(kind=EventKind.SETTINGS_CHANGED).exists()


def test_the_htmx_preview_returns_only_the_preview_block(alice_client, org_a, jane):
    response = alice_client.post(
        PREVIEW_URL,
        {
            **GOOD,
            "default_pin": "{{ custom.my_secure_pin_field }}",
            "preview_contact": str(jane.pk),
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html and "<form" not in html
    assert "Hello Jane,\nread it here: http" in html
    # The PIN is masked until someone presses Reveal.
    assert '<span class="masked">••••</span>' in html and "8642" not in html
    assert "The organization&#x27;s default PIN template" in html
    assert not Event.objects.filter(kind=EventKind.SETTINGS_CHANGED).exists()


def test_the_preview_url_without_htmx_shows_the_whole_page(alice_client, org_a, jane):
    response = alice_client.post(PREVIEW_URL, {**GOOD, "preview_contact": str(jane.pk)})
    assert response.status_code == 200
    assert "<html" in response.content.decode()
    assert response.context["preview"].body.text.startswith("Hello Jane,")


def test_template_errors_show_in_the_preview_not_a_server_error(alice_client, org_a, jane):
    response = alice_client.post(
        PREVIEW_URL,
        {
            **GOOD,
            "subject": "{% if %}",
            "body": "Hi\n{{ custom.nope }}",
            "default_pin": "no spaces allowed",
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Line 1, column 4: missing expression" in html
    assert "Line 2, column 4: unknown field custom.nope" in html
    assert "letters and digits only" in html


def test_a_template_that_fails_on_this_contacts_values_shows_why_in_the_preview(
    alice_client, org_a
):
    CustomField.objects.create(
        organization=org_a, key="visits", label="Visits", field_type="number"
    )
    many = Contact.objects.create(
        organization=org_a, name="Many Visits", email="m@example.com", custom={"visits": "99999"}
    )
    body = "{% for i in (1..custom.visits) %}*{% endfor %} {{ secure_link }}"
    response = alice_client.post(
        PREVIEW_URL, {**GOOD, "body": body, "preview_contact": str(many.pk)}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "loop iteration limit reached" in response.content.decode()


def test_the_preview_shows_where_the_pin_comes_from(alice_client, org_a, jane):
    jane.secure_pin = "Own123"
    jane.save()
    preview = alice_client.post(
        PREVIEW_URL,
        {**GOOD, "default_pin": "D1", "preview_contact": str(jane.pk)},
        HTTP_HX_REQUEST="true",
    )
    assert "Own123" not in preview.content.decode()
    assert "The contact&#x27;s own secure PIN" in preview.content.decode()
    revealed = alice_client.post(
        PREVIEW_URL,
        {**GOOD, "default_pin": "D1", "preview_contact": str(jane.pk), "reveal": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert '<code class="pin">Own123</code>' in revealed.content.decode()
    assert Event.objects.get(kind=EventKind.SENSITIVE_VALUE_REVEALED).contact == jane
    sam = Contact.objects.create(organization=org_a, name="Sam Poe", email="s@example.com")
    preview = alice_client.post(
        PREVIEW_URL,
        {**GOOD, "default_pin": "D1", "preview_contact": str(sam.pk)},
        HTTP_HX_REQUEST="true",
    )
    # The organization's literal default PIN is a shared secret: masked as well.
    html = preview.content.decode()
    assert '<span class="masked">••••</span>' in html and ">D1<" not in html
    assert "The organization&#x27;s default PIN" in html


def test_another_organizations_contact_cannot_be_previewed(alice_client, org_a, org_b, jane):
    theirs = Contact.objects.create(
        organization=org_b, name="Hidden Person", email="h@harbor.example"
    )
    for contact_id in (str(theirs.pk), "not-a-uuid"):
        response = alice_client.post(
            PREVIEW_URL, {**GOOD, "preview_contact": contact_id}, HTTP_HX_REQUEST="true"
        )
        assert response.status_code == 200
        assert "Hidden Person" not in response.content.decode()
        assert response.context["preview"].contact == jane


def test_with_no_contacts_the_preview_uses_a_sample_contact(alice_client, org_a):
    response = alice_client.get(URL)
    assert response.context["preview"].sample_contact
    assert "a sample: there are no contacts yet" in response.content.decode()


def test_the_picker_offers_the_first_200_contacts_by_name(alice_client, org_a):
    Contact.objects.bulk_create(
        [
            Contact(organization=org_a, name=f"Person {i:03}", email=f"p{i}@x.example")
            for i in range(205)
        ]
    )
    response = alice_client.get(URL)
    names = [c.name for c in response.context["contacts"]]
    assert len(names) == 200 and names[0] == "Person 000" and names[-1] == "Person 199"
    assert "The first 200 contacts by name." in response.content.decode()


def test_the_chosen_contact_is_kept_after_saving(alice_client, org_a, jane, sam):
    response = alice_client.post(URL, {**GOOD, "preview_contact": str(sam.pk)})
    assert response.url == f"{URL}?contact={sam.pk}"
    assert alice_client.get(response.url).context["preview"].contact == sam


def test_an_htmx_preview_after_the_session_ended_sends_the_whole_page_to_sign_in(client):
    response = client.post(
        "/settings/secure-messaging/preview/",
        {"body": "x"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL="http://testserver/settings/secure-messaging/",
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/accounts/login/?next=%2Fsettings%2Fsecure-messaging%2F"


def test_a_notification_per_language_is_saved_and_checked_like_the_default(alice_client, org_a):
    response = post(
        alice_client,
        subject_es="Mensaje seguro de {{ user.company }}",
        body_es="Léalo aquí: {{ secure_link }}",
        subject_ar="رسالة آمنة",
        body_ar="",
    )
    assert response.status_code == 200
    assert (
        field_errors(response, "body_ar")
        and "{{ secure_link }}" in field_errors(response, "body_ar")[0]
    )
    assert saved(org_a).translations == {}
    html = response.content.decode()
    assert '<details open>\n    <summary lang="ar">Arabic' in html

    response = post(
        alice_client,
        subject_es="Mensaje seguro de {{ user.company }}",
        body_es="Léalo aquí: {{ secure_link }}",
    )
    assert response.status_code == 302
    assert saved(org_a).translations == {
        "es": {
            "subject": "Mensaje seguro de {{ user.company }}",
            "body": "Léalo aquí: {{ secure_link }}",
        }
    }
    form = alice_client.get(URL).context["form"]
    assert form["body_es"].value() == "Léalo aquí: {{ secure_link }}"
    assert form["subject_zh_hans"].value() in ("", None)


def test_the_preview_shows_the_contacts_own_language(alice_client, org_a):
    contact = Contact.objects.create(organization=org_a, name="Ana Ruiz", language="es")
    response = alice_client.post(
        PREVIEW_URL,
        {
            **GOOD,
            "subject": DEFAULT_SUBJECT,
            "body": DEFAULT_BODY,
            "preview_contact": str(contact.pk),
        },
    )
    assert "Ha recibido un mensaje seguro de" in response.content.decode()
