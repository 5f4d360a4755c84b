import pytest

from hushpost.delivery.models import Delivery, DeliveryStatus
from hushpost.messaging.models import Message, Origin, SecureMessagingSettings, Send
from tests.api.helpers import assert_problem, field_errors, make_contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_phone(org_a):
    return make_contact(org_a, "Eli Park", phone="", email="eli@example.com")


def test_a_secure_sms_answers_202_with_a_delivery_per_contact(
    api, org_a, dana, no_phone, secure_on
):
    response = api.post(
        "messages",
        {
            "contact_ids": [str(dana.pk), str(no_phone.pk)],
            "channel": "sms",
            "secure": True,
            "pin": "4321",
            "body": "Your results are in, {{ contact.first_name }}.",
        },
    )
    assert response.status_code == 202, response.content
    body = response.json()
    send = Send.objects.get(pk=body["id"])
    assert (
        send.organization == org_a
        and send.origin == Origin.API
        and send.actor_label == "api: Booking system"
    )
    by_contact = {d["contact_id"]: d for d in body["deliveries"]}
    assert (
        by_contact[str(dana.pk)]["status"] == "queued"
        and by_contact[str(dana.pk)]["channel"] == "sms"
    )
    assert by_contact[str(no_phone.pk)]["status"] == "held"
    assert by_contact[str(no_phone.pk)]["reason"] == "no mobile phone on file"
    message = Message.objects.get(send=send)
    assert message.contact == dana and message.body == "Your results are in, Dana."
    queued = Delivery.objects.get(pk=by_contact[str(dana.pk)]["id"])
    # What goes to the provider is the notification with the link, never the content.
    assert "results" not in queued.body and "/s/" in queued.body


def test_a_plain_email_needs_a_subject_and_goes_out_as_written(api, dana):
    errors = field_errors(
        api.post(
            "messages",
            {
                "contact_ids": [str(dana.pk)],
                "channel": "email",
                "secure": False,
                "body": "See you Tuesday.",
            },
        )
    )
    assert errors == {"subject": "An email needs a subject."}
    response = api.post(
        "messages",
        {
            "contact_ids": [str(dana.pk)],
            "channel": "email",
            "secure": False,
            "subject": "Tuesday",
            "body": "See you Tuesday.",
        },
    )
    assert response.status_code == 202
    assert response.json()["deliveries"][0]["status"] == "queued"


def test_voice_is_refused_with_composes_words(api, dana, secure_on):
    errors = field_errors(
        api.post("messages", {"contact_ids": [str(dana.pk)], "channel": "voice", "body": "Hi"})
    )
    assert errors["channel"] == "Secure messages can't be sent by voice call; choose text or email."


def test_a_secure_send_while_secure_messaging_is_off_says_where_to_turn_it_on(api, dana):
    errors = field_errors(
        api.post("messages", {"contact_ids": [str(dana.pk)], "channel": "sms", "body": "Hi"})
    )
    assert "Messaging settings" in errors["secure"]
    assert not Send.objects.exists()


def test_recipients_and_pin_problems_are_field_errors(api, dana, secure_on):
    errors = field_errors(api.post("messages", {"contact_ids": [], "channel": "sms", "body": "Hi"}))
    assert errors == {
        "contact_ids": "Give contact_ids, appointment_ids or a filter: who the message is for."
    }
    errors = field_errors(
        api.post(
            "messages",
            {"contact_ids": [str(dana.pk)], "channel": "sms", "pin": "12 34", "body": "Hi"},
        )
    )
    assert set(errors) == {"pin"}
    errors = field_errors(
        api.post(
            "messages",
            {
                "contact_ids": [str(dana.pk)],
                "channel": "sms",
                "secure": False,
                "pin": "1234",
                "body": "Hi",
            },
        )
    )
    assert "secure messages only" in errors["pin"]
    errors = field_errors(
        api.post("messages", {"contact_ids": ["nope"], "channel": "fax", "body": ""})
    )
    assert set(errors) == {"contact_ids.0", "channel"}


def test_unknown_and_other_organizations_contacts_are_refused_alike(api, dana, hidden, secure_on):
    unknown = "00000000-0000-0000-0000-000000000001"
    response = api.post(
        "messages",
        {"contact_ids": [str(dana.pk), unknown, str(hidden.pk)], "channel": "sms", "body": "Hi"},
    )
    errors = field_errors(response)
    assert errors == {"contact_ids": f"Unknown contact ids: {unknown}, {hidden.pk}."}
    assert not Send.objects.exists() and not Delivery.objects.exists()


def test_it_gets_a_message_with_every_delivery_status(api, dana, no_phone, secure_on):
    created = api.post(
        "messages",
        {"contact_ids": [str(dana.pk), str(no_phone.pk)], "channel": "sms", "body": "Hi"},
    ).json()
    Delivery.objects.filter(contact=dana).update(status=DeliveryStatus.DELIVERED)
    body = api.get(f"messages/{created['id']}").json()
    assert body["id"] == created["id"] and body["channel"] == "sms" and body["secure"] is True
    statuses = {
        d["contact_id"]: (d["status"], d["status_label"], d["reason"]) for d in body["deliveries"]
    }
    assert statuses == {
        str(dana.pk): ("delivered", "Delivered", ""),
        str(no_phone.pk): ("held", "Held back", "no mobile phone on file"),
    }


def test_a_delivery_the_outbox_took_is_sent_to_the_outbox_never_delivered(
    api, dana, secure_on, settings
):
    from hushpost.delivery.send import send_delivery

    settings.TWILIO_ACCOUNT_SID = ""
    created = api.post(
        "messages", {"contact_ids": [str(dana.pk)], "channel": "sms", "body": "Hi"}
    ).json()
    assert send_delivery(created["deliveries"][0]["id"])
    [delivery] = api.get(f"messages/{created['id']}").json()["deliveries"]
    assert (delivery["status"], delivery["status_label"]) == ("sent", "Sent to the outbox")


def test_another_organizations_message_is_404(api, api_b, hidden, org_b):
    settings = SecureMessagingSettings.objects.for_org(org_b)
    settings.enabled = True
    settings.save()
    theirs = api_b.post(
        "messages",
        {"contact_ids": [str(hidden.pk)], "channel": "email", "subject": "S", "body": "Privileged"},
    )
    assert theirs.status_code == 202
    body = assert_problem(api.get(f"messages/{theirs.json()['id']}"), 404)
    assert body["detail"] == "No message with this id."


def test_appointment_ids_send_about_each_appointment_with_its_fields(api, org_a, dana, secure_on):
    from datetime import UTC, datetime, timedelta

    from hushpost.appointments.models import Appointment

    start = datetime(2026, 12, 1, 14, 30, tzinfo=UTC)
    first = Appointment.objects.create(
        organization=org_a,
        contact=dana,
        start=start,
        end=start + timedelta(minutes=30),
        title="X-ray",
    )
    second = Appointment.objects.create(
        organization=org_a,
        contact=dana,
        start=start + timedelta(days=1),
        end=start + timedelta(days=1, minutes=30),
        title="Follow-up",
    )
    response = api.post(
        "messages",
        {
            "appointment_ids": [str(first.pk), str(second.pk)],
            "channel": "sms",
            "secure": False,
            "body": "About your {{ appointment.title }}",
        },
    )
    assert response.status_code == 202
    assert sorted(Message.objects.values_list("body_encrypted", flat=True)) and sorted(
        m.body for m in Message.objects.all()
    ) == ["About your Follow-up", "About your X-ray"]
    assert len(response.json()["deliveries"]) == 2


def test_appointment_fields_are_refused_without_appointments_and_unknown_ids_are_named(
    api, org_a, dana
):
    response = api.post(
        "messages",
        {
            "contact_ids": [str(dana.pk)],
            "channel": "sms",
            "secure": False,
            "body": "{{ appointment.title }}",
        },
    )
    assert response.status_code == 422
    missing = "00000000-0000-0000-0000-000000000000"
    response = api.post(
        "messages", {"appointment_ids": [missing], "channel": "sms", "secure": False, "body": "Hi"}
    )
    assert response.status_code == 422 and missing in response.text
    assert (
        api.post("messages", {"channel": "sms", "secure": False, "body": "Hi"}).status_code == 422
    )
