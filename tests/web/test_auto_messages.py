"""The "Appointment auto messages" page: list, add, edit with a live preview, switch,
delete; members read only."""

import html
import re

import pytest

from hushpost.activity.models import Event, EventKind
from hushpost.appointments.auto_messages import VOICE_SECURE
from hushpost.appointments.models import AutoMessage
from hushpost.contacts.models import Contact

pytestmark = pytest.mark.django_db

LIST = "/auto-messages/"
NEW = "/auto-messages/new/"
GOOD = {
    "channel": "sms",
    "timing": "before_start",
    "amount": "1",
    "unit": "days",
    "body": (
        "Hi {{ contact.first_name }}, see you {{ appointment.start_date }} at "
        "{{ appointment.start_time }}."
    ),
    "enabled": "on",
    "action": "save",
}


@pytest.fixture
def reminder(org_a):
    return AutoMessage.objects.create(
        organization=org_a,
        channel="sms",
        timing="before_start",
        offset_minutes=1440,
        body="See you at {{ appointment.start_time }}",
        secure=True,
    )


def errors(response, name):
    return [str(e) for e in response.context["form"].errors.get(name, [])]


def test_the_list_shows_timing_in_words_the_channel_and_the_secure_badge(alice_client, reminder):
    response = alice_client.get(LIST)
    body = response.content.decode()
    assert response.status_code == 200
    # Timing and channel in words, and the message as a sample contact gets it, not as code.
    assert "A secure text message 1 day before the start." in body
    assert "{{" not in body.split('class="auto-list"', 1)[1]
    # A switch that says its state.
    assert 'role="switch" aria-checked="true"' in body
    assert 'aria-current="page">Auto messages' in body


def test_adding_one_stores_minutes_from_amount_and_unit(alice_client, org_a):
    response = alice_client.post(NEW, {**GOOD, "amount": "2", "unit": "hours"})
    assert response.status_code == 302 and response["Location"] == LIST
    auto = AutoMessage.objects.get(organization=org_a)
    assert (auto.timing, auto.offset_minutes, auto.channel, auto.enabled) == (
        "before_start",
        120,
        "sms",
        True,
    )
    assert Event.objects.filter(
        kind=EventKind.SETTINGS_CHANGED, detail__section="auto messages"
    ).exists()


def test_booked_ignores_the_amount(alice_client, org_a):
    alice_client.post(NEW, {**GOOD, "timing": "booked", "amount": "3"})
    assert AutoMessage.objects.get(organization=org_a).offset_minutes == 0


def test_problems_show_on_their_fields_with_line_and_column(alice_client, org_a):
    response = alice_client.post(NEW, {**GOOD, "body": "Hi\n{{ appointment.starttime }}"})
    assert response.status_code == 200
    assert errors(response, "body")[0].startswith(
        "Line 2, column 4: unknown field appointment.starttime"
    )
    response = alice_client.post(NEW, {**GOOD, "channel": "voice", "secure": "on"})
    assert errors(response, "secure") == [VOICE_SECURE]
    response = alice_client.post(NEW, {**GOOD, "amount": "400", "unit": "days"})
    assert errors(response, "amount") == ["At most 365 days before or after."]
    assert not AutoMessage.objects.exists()


def test_editing_shows_the_saved_values_and_saves_changes(alice_client, reminder):
    url = f"/auto-messages/{reminder.pk}/"
    form = alice_client.get(url).context["form"]
    assert form["amount"].value() == 1 and form["unit"].value() == "days"
    response = alice_client.post(url, {**GOOD, "amount": "3", "unit": "hours", "secure": "on"})
    assert response.status_code == 302
    reminder.refresh_from_db()
    assert reminder.offset_minutes == 180


def test_the_preview_renders_for_the_chosen_contact_with_and_without_htmx(alice_client, org_a):
    jane = Contact.objects.create(organization=org_a, name="Jane Doe", phone="+14155550100")
    data = {
        **GOOD,
        "body": "Hello {{ contact.first_name }} at {{ appointment.location }}",
        "preview_contact": str(jane.pk),
    }
    page = alice_client.post(NEW, {**data, "action": "preview"})
    assert page.status_code == 200 and "Hello Jane at Main Street clinic" in page.content.decode()
    assert not AutoMessage.objects.exists()
    fragment = alice_client.post("/auto-messages/preview/", data, HTTP_HX_REQUEST="true")
    assert (
        "Hello Jane at Main Street clinic" in fragment.content.decode()
        and "<html" not in fragment.content.decode()
    )


def test_switching_off_and_on_and_deleting_with_confirmation(alice_client, reminder):
    alice_client.post(f"/auto-messages/{reminder.pk}/switch/", {"enabled": "off"})
    reminder.refresh_from_db()
    assert reminder.enabled is False
    alice_client.post(f"/auto-messages/{reminder.pk}/switch/", {"enabled": "on"})
    reminder.refresh_from_db()
    assert reminder.enabled is True
    confirm = alice_client.get(f"/auto-messages/{reminder.pk}/delete/")
    assert "can't be undone" in confirm.content.decode()
    assert AutoMessage.objects.filter(pk=reminder.pk).exists()
    assert alice_client.post(f"/auto-messages/{reminder.pk}/delete/").status_code == 302
    assert not AutoMessage.objects.filter(pk=reminder.pk).exists()


def test_members_read_but_can_not_change(bob_client, reminder):
    assert bob_client.get(LIST).status_code == 200
    page = bob_client.get(f"/auto-messages/{reminder.pk}/")
    assert page.status_code == 200 and "Only owners and admins" in page.content.decode()
    assert bob_client.get(NEW).status_code == 403
    assert bob_client.post(NEW, GOOD).status_code == 403
    assert bob_client.post(f"/auto-messages/{reminder.pk}/", GOOD).status_code == 403
    assert (
        bob_client.post(f"/auto-messages/{reminder.pk}/switch/", {"enabled": "off"}).status_code
        == 403
    )
    assert bob_client.post(f"/auto-messages/{reminder.pk}/delete/").status_code == 403
    reminder.refresh_from_db()
    assert reminder.enabled and reminder.offset_minutes == 1440


def test_another_organizations_auto_message_is_404(alice_client, org_b):
    theirs = AutoMessage.objects.create(
        organization=org_b, channel="sms", timing="booked", body="Theirs"
    )
    for path in ("", "switch/", "delete/", "preview/"):
        assert alice_client.post(f"/auto-messages/{theirs.pk}/{path}", GOOD).status_code == 404
    assert alice_client.get(f"/auto-messages/{theirs.pk}/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.body == "Theirs"


def test_the_field_list_says_what_the_date_and_status_fields_hold(alice_client):
    page = alice_client.get("/auto-messages/new/").content.decode()
    fields = page[page.index("Fields you can use") :]

    def says(name: str, words: str) -> bool:
        line = re.search(rf"<li><code>{{{{ {re.escape(name)} }}}}</code>(.*?)</li>", fields)
        return line is not None and words in html.unescape(line.group(1))

    assert says("now", "the current date and time in your organization's time zone")
    assert says("now", '{{ now | date: "%A %-d %B" }}')
    assert says("appointment.start", "the start as a date value")
    assert says("appointment.status", "scheduled, confirmed, cancel_requested or cancelled")
    assert says("appointment.status_label", "the status as a word to show")
    assert says("appointment.start_time", "the start time, such as 9:30 a.m.")


def test_the_notification_field_list_names_now_too(alice_client):
    page = alice_client.get("/settings/secure-messaging/").content.decode()
    assert "<code>{{ now }}</code> <small" in page
    assert "<code>{{ secure_link }}</code> <small" in page


def test_a_text_per_language_is_saved_and_checked_like_the_message(alice_client, org_a):
    response = alice_client.post(
        NEW, {**GOOD, "body_es": "Le esperamos {{ appointment.shoe_size }}", "body_vi": ""}
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "unknown field appointment.shoe_size" in errors["body_es"][0]
    assert not AutoMessage.objects.exists()
    response = alice_client.post(
        NEW, {**GOOD, "body_es": "Le esperamos el {{ appointment.start_date }}."}
    )
    assert response.status_code == 302
    auto = AutoMessage.objects.get()
    assert auto.translations == {
        "es": {"subject": "", "body": "Le esperamos el {{ appointment.start_date }}."}
    }
    form = alice_client.get(f"/auto-messages/{auto.pk}/").context["form"]
    assert form["body_es"].value() == "Le esperamos el {{ appointment.start_date }}."


def test_the_preview_shows_the_contacts_own_language(alice_client, org_a):
    rosa = Contact.objects.create(organization=org_a, name="Rosa Díaz", language="es")
    response = alice_client.post(
        "/auto-messages/preview/",
        {**GOOD, "body_es": "Hola {{ contact.first_name }}.", "preview_contact": str(rosa.pk)},
    )
    assert "Hola Rosa." in response.content.decode()
