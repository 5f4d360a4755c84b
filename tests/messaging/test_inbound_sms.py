"""Texts to our Twilio numbers through the real endpoint, signed as Twilio signs them."""

import pytest
from django.core import mail
from twilio.request_validator import RequestValidator

from hushpost.accounts.models import Organization
from hushpost.activity.models import Event, EventKind
from hushpost.contacts.models import Contact
from hushpost.messaging.models import Conversation, Direction, Message, Origin

pytestmark = pytest.mark.django_db

URL = "/webhooks/twilio/sms"
ENV_NUMBER = "+15005550006"
OWN_NUMBER = "+14155550100"
JANE = "+14155551234"


@pytest.fixture(autouse=True)
def twilio_settings(settings):
    settings.TWILIO_ACCOUNT_SID = "AC" + "0" * 32
    settings.TWILIO_AUTH_TOKEN = "test-auth-token"
    settings.TWILIO_FROM_NUMBER = ENV_NUMBER
    return settings


@pytest.fixture
def jane(org_a):
    return Contact.objects.create(
        organization=org_a, name="Jane Roe", phone=JANE, email="jane@example.com"
    )


def text(
    client,
    settings,
    body,
    *,
    sender=JANE,
    to=ENV_NUMBER,
    sid="SM" + "1" * 32,
    token=None,
    **extra,
):
    params = {
        "MessageSid": sid,
        "SmsSid": sid,
        "AccountSid": settings.TWILIO_ACCOUNT_SID,
        "From": sender,
        "To": to,
        "Body": body,
        "NumMedia": "0",
        **extra,
    }
    signature = RequestValidator(token or settings.TWILIO_AUTH_TOKEN).compute_signature(
        settings.BASE_URL + URL, params
    )
    return client.post(URL, params, HTTP_X_TWILIO_SIGNATURE=signature)


def empty_twiml(response) -> bool:
    return (
        response.status_code == 200
        and response["Content-Type"].startswith("text/xml")
        and "<Response />" in response.content.decode()
        and "<Message>" not in response.content.decode()
    )


@pytest.mark.parametrize(
    "word",
    [
        # Twilio's whole default opt-out set…
        "STOP",
        "STOPALL",
        "UNSUBSCRIBE",
        "CANCEL",
        "END",
        "QUIT",
        "REVOKE",
        "OPTOUT",
        # …as phones send it: any case, spaces, punctuation, full-width letters.
        "stop",
        "  Stopall ",
        "Stop.",
        "STOP!!",
        "stop all",
        "Opt-out",
        "opt out",
        "“Cancel”",
        "ＳＴＯＰ",
        "Quit 🙁",
    ],
)
def test_stop_words_opt_the_contact_out_and_are_logged_without_content(
    client, settings, jane, word
):
    response = text(client, settings, word)
    assert empty_twiml(response)
    jane.refresh_from_db()
    assert jane.sms_opt_out
    event = Event.objects.get(kind=EventKind.SMS_OPTED_OUT, contact=jane)
    assert word.strip().lower() not in str(event.detail).lower()
    assert not Message.objects.exists()


@pytest.mark.parametrize("word", ["START", "YES", "UNSTOP", "unstop", " yes ", "Start.", "Yes!"])
def test_start_words_opt_the_contact_back_in(client, settings, jane, word):
    Contact.objects.filter(pk=jane.pk).update(sms_opt_out=True)
    assert empty_twiml(text(client, settings, word))
    jane.refresh_from_db()
    assert not jane.sms_opt_out
    assert Event.objects.filter(kind=EventKind.SMS_OPTED_IN, contact=jane).count() == 1
    assert not Message.objects.exists()


def test_a_repeated_stop_changes_and_logs_once(client, settings, jane):
    text(client, settings, "STOP", sid="SMa")
    text(client, settings, "STOP", sid="SMb")
    assert Event.objects.filter(kind=EventKind.SMS_OPTED_OUT).count() == 1


def test_stop_opts_out_every_contact_with_that_number(client, settings, jane, org_a, org_b):
    twin = Contact.objects.create(organization=org_a, name="Jane at work", phone=JANE)
    elsewhere = Contact.objects.create(organization=org_b, name="Jane elsewhere", phone=JANE)
    org_a.sms_number = OWN_NUMBER
    org_a.save()
    text(client, settings, "STOP", to=OWN_NUMBER)
    assert (
        Contact.objects.get(pk=jane.pk).sms_opt_out and Contact.objects.get(pk=twin.pk).sms_opt_out
    )
    assert not Contact.objects.get(pk=elsewhere.pk).sms_opt_out


@pytest.mark.parametrize("word", ["HELP", "INFO", " info ", "Help?", "help!"])
def test_help_answers_with_the_default_help_text_naming_the_company(client, settings, jane, word):
    response = text(client, settings, word)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/xml")
    assert response.content.decode().endswith(
        "<Response><Message>Riverside Clinic: reply STOP to stop texts, START to start again. "
        "Call us for help.</Message></Response>"
    )
    assert not Message.objects.exists()


def test_help_answers_with_the_organizations_own_help_text(client, settings, jane, org_a):
    org_a.sms_help_text = "Riverside: call 555-0100 & ask for Ann."
    org_a.save()
    response = text(client, settings, "help")
    assert (
        "<Message>Riverside: call 555-0100 &amp; ask for Ann.</Message>"
        in response.content.decode()
    )


@pytest.mark.parametrize("body", ["Please stop", "STOP 2", "Stop texting me at work", "Yes please"])
def test_a_keyword_inside_a_sentence_is_a_reply_not_a_keyword(client, settings, jane, body):
    # As Twilio does: only a message that is the keyword alone counts.
    text(client, settings, body)
    assert not Contact.objects.get(pk=jane.pk).sms_opt_out
    assert Message.objects.get().body == body


@pytest.mark.parametrize("body", ["ARRET", "Baja", "ALTO", "stopp"])
def test_advanced_opt_out_keywords_in_any_language_opt_the_contact_out(
    client, settings, jane, body
):
    # Configured in Twilio's Advanced Opt-Out, which says so with OptOutType.
    assert empty_twiml(text(client, settings, body, OptOutType="STOP"))
    assert Contact.objects.get(pk=jane.pk).sms_opt_out
    assert Event.objects.filter(kind=EventKind.SMS_OPTED_OUT, contact=jane).count() == 1
    assert not Message.objects.exists()


def test_without_advanced_opt_out_a_foreign_word_is_a_reply(client, settings, jane):
    text(client, settings, "ARRET")
    assert not Contact.objects.get(pk=jane.pk).sms_opt_out
    assert Message.objects.get().body == "ARRET"


def test_advanced_opt_out_start_opts_back_in(client, settings, jane):
    Contact.objects.filter(pk=jane.pk).update(sms_opt_out=True)
    assert empty_twiml(text(client, settings, "ALTA", OptOutType="START"))
    assert not Contact.objects.get(pk=jane.pk).sms_opt_out
    assert not Message.objects.exists()


def test_advanced_opt_out_help_is_answered_by_twilio_alone(client, settings, jane):
    # Twilio has already sent the help text configured with Advanced Opt-Out.
    assert empty_twiml(text(client, settings, "AYUDA", OptOutType="HELP"))
    assert not Message.objects.exists()
    assert not Contact.objects.get(pk=jane.pk).sms_opt_out


def test_an_unknown_opt_out_type_falls_back_to_the_keywords(client, settings, jane):
    text(client, settings, "Hello", OptOutType="SOMETHING")
    assert Message.objects.get().body == "Hello"
    text(client, settings, "stop", OptOutType="", sid="SMstop")
    assert Contact.objects.get(pk=jane.pk).sms_opt_out


def test_any_other_text_is_an_encrypted_unread_reply_flagged_outside_the_secure_page(
    client, settings, jane, alice, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = text(client, settings, "Can we move my appointment to Friday?")
    assert empty_twiml(response)
    message = Message.objects.get()
    assert message.contact_id == jane.pk and message.direction == Direction.INBOUND
    assert message.origin == Origin.SMS_REPLY and message.channel == "sms" and not message.secure
    assert message.provider_id == "SM" + "1" * 32
    assert message.body == "Can we move my appointment to Friday?"
    assert "Friday" not in message.body_encrypted
    conversation = Conversation.objects.get(contact=jane)
    assert conversation.unread_replies == 1
    event = Event.objects.get(kind=EventKind.REPLY_RECEIVED)
    assert event.message_id == message.pk and event.detail["outside_secure_page"] is True
    assert "Friday" not in str(event.detail)
    # The staff hear about it as they do about secure-page replies (alice owns Riverside).
    assert [m.to for m in mail.outbox] == [["alice@riverside.example"]]
    assert "Friday" not in mail.outbox[0].body


def test_a_repeated_webhook_stores_the_reply_once(client, settings, jane):
    for _ in range(3):
        assert empty_twiml(text(client, settings, "Running late", sid="SMrepeat"))
    assert Message.objects.count() == 1
    assert Conversation.objects.get(contact=jane).unread_replies == 1
    assert Event.objects.filter(kind=EventKind.REPLY_RECEIVED).count() == 1
    text(client, settings, "Running late", sid="SMother")
    assert Message.objects.count() == 2


def test_an_unknown_sender_stores_nothing(client, settings, jane, caplog):
    response = text(client, settings, "Who is this? My secret is 1234", sender="+12025550142")
    assert empty_twiml(response)
    assert not Message.objects.exists() and not Event.objects.exists()
    assert "1234" not in caplog.text


def test_a_bad_or_missing_signature_is_refused(client, settings, jane):
    assert text(client, settings, "STOP", token="not-the-token").status_code == 403
    assert client.post(URL, {"From": JANE, "To": ENV_NUMBER, "Body": "STOP"}).status_code == 403
    assert not Contact.objects.get(pk=jane.pk).sms_opt_out


def test_the_organization_is_found_by_its_own_number(client, settings, org_a, org_b):
    org_b.sms_number = OWN_NUMBER
    org_b.save()
    harbor_jane = Contact.objects.create(organization=org_b, name="Jane Harbor", phone=JANE)
    riverside_jane = Contact.objects.create(organization=org_a, name="Jane Riverside", phone=JANE)
    text(client, settings, "Hello harbor", to=OWN_NUMBER)
    assert Message.objects.get().contact_id == harbor_jane.pk
    assert not Message.objects.filter(contact=riverside_jane).exists()


def test_the_environment_number_belongs_to_the_demo_organization(client, settings, org_a):
    demo = Organization.objects.create(name="Demo Clinic", company_name="Demo Clinic", slug="demo")
    demo_jane = Contact.objects.create(organization=demo, name="Jane Demo", phone=JANE)
    Contact.objects.create(organization=org_a, name="Jane Riverside", phone=JANE)
    text(client, settings, "Hello demo", to=ENV_NUMBER)
    assert Message.objects.get().contact_id == demo_jane.pk
    response = text(client, settings, "HELP", to=ENV_NUMBER)
    assert "<Message>Demo Clinic: reply STOP" in response.content.decode()


def test_a_single_organization_gets_texts_to_any_number(client, settings, jane):
    text(client, settings, "Hi", to="+12025550142")
    assert Message.objects.get().contact_id == jane.pk


def test_with_several_organizations_an_unknown_number_finds_none(client, settings, jane, org_b):
    response = text(client, settings, "STOP", to="+12025550142")
    assert empty_twiml(response)
    assert not Contact.objects.get(pk=jane.pk).sms_opt_out


def test_the_conversation_page_shows_the_text_reply_badge(client, settings, jane, alice_client):
    text(client, settings, "See you soon")
    page = alice_client.get(f"/inbox/{jane.pk}/").content.decode()
    assert "See you soon" in page
    assert "Text reply — sent outside the secure page" in page


def test_the_organization_page_sets_the_text_number_and_help_text(alice_client, org_a, org_b):
    form = {
        "name": "Riverside Clinic",
        "company_name": "Riverside Clinic",
        "time_zone": "America/New_York",
        "country": "US",
        "sms_number": "(415) 555-0100",
        "sms_help_text": "Call 555-0100.",
    }
    assert alice_client.post("/settings/organization/", form).status_code == 302
    org_a.refresh_from_db()
    assert org_a.sms_number == OWN_NUMBER and org_a.sms_help == "Call 555-0100."
    response = alice_client.post("/settings/organization/", form | {"sms_number": "12"})
    assert response.status_code == 200 and "not a valid phone number" in response.content.decode()
    org_b.sms_number = "+12025550142"
    org_b.save()
    response = alice_client.post(
        "/settings/organization/", form | {"sms_number": "+1 202 555 0142"}
    )
    assert response.status_code == 200
    assert "Another organization already uses this text number." in response.content.decode()
    org_a.refresh_from_db()
    assert org_a.sms_number == OWN_NUMBER
