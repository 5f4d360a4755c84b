"""/auto-messages per the contract: timing as {event, offset_minutes}, problem JSON, other
organizations' ids 404."""

import pytest

from hushpost.appointments.auto_messages import ASK_VOICE_ONLY, VOICE_SECURE
from hushpost.appointments.models import AutoMessage
from tests.api.helpers import assert_problem, field_errors

pytestmark = pytest.mark.django_db

REMINDER = {
    "channel": "sms",
    "timing": {"event": "before_start", "offset_minutes": 1440},
    "body": "See you {{ appointment.start_date }} at {{ appointment.start_time }}.",
    "secure": True,
}


def test_create_get_list_update_delete(api, org_a):
    created = api.post("auto-messages", REMINDER)
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["timing"] == {"event": "before_start", "offset_minutes": 1440}
    assert body["secure"] is True and body["enabled"] is True and body["subject"] == ""
    url = f"auto-messages/{body['id']}"
    assert api.get(url).json() == body
    listed = api.get("auto-messages").json()
    assert listed["count"] == 1 and listed["items"] == [body]

    changed = api.put(
        url, {**REMINDER, "timing": {"event": "after_end", "offset_minutes": 60}, "enabled": False}
    )
    assert changed.status_code == 200
    assert (
        changed.json()["timing"] == {"event": "after_end", "offset_minutes": 60}
        and changed.json()["enabled"] is False
    )

    assert api.delete(url).status_code == 204
    assert_problem(api.get(url), 404)
    assert not AutoMessage.objects.exists()


def test_voice_and_secure_is_refused_with_a_clear_message(api):
    response = api.post("auto-messages", {**REMINDER, "channel": "voice", "secure": True})
    assert field_errors(response) == {"secure": VOICE_SECURE}
    assert (
        api.post("auto-messages", {**REMINDER, "channel": "voice", "secure": False}).status_code
        == 201
    )


def test_only_a_call_asks_for_a_keypress_and_any_message_may_skip_the_confirmed(api):
    response = api.post("auto-messages", {**REMINDER, "ask_to_confirm": True})
    assert field_errors(response) == {"ask_to_confirm": ASK_VOICE_ONLY}
    voice = {**REMINDER, "channel": "voice", "secure": False, "ask_to_confirm": True}
    created = api.post("auto-messages", {**voice, "only_unconfirmed": True})
    assert created.status_code == 201, created.content
    assert created.json()["ask_to_confirm"] is True and created.json()["only_unconfirmed"] is True
    auto = AutoMessage.objects.get()
    assert auto.ask_to_confirm and auto.only_unconfirmed


def test_template_problems_and_timing_rules_are_422_with_fields(api):
    errors = field_errors(
        api.post("auto-messages", {**REMINDER, "body": "Hi\n{{ appointment.wen }}"})
    )
    assert errors["body"].startswith("Line 2, column 4: unknown field appointment.wen")
    errors = field_errors(
        api.post("auto-messages", {**REMINDER, "timing": {"event": "booked", "offset_minutes": 30}})
    )
    assert "timing.offset_minutes" in errors
    errors = field_errors(
        api.post("auto-messages", {**REMINDER, "channel": "email", "secure": False})
    )
    assert errors == {"subject": "An email needs a subject."}
    errors = field_errors(api.post("auto-messages", {**REMINDER, "timing": {"event": "someday"}}))
    assert "timing.event" in errors


def test_another_organizations_auto_message_is_404(api, api_b):
    theirs = api_b.post("auto-messages", REMINDER).json()
    url = f"auto-messages/{theirs['id']}"
    assert_problem(api.get(url), 404)
    assert_problem(api.put(url, REMINDER), 404)
    assert_problem(api.delete(url), 404)
    assert api.get("auto-messages").json()["count"] == 0
    assert AutoMessage.objects.count() == 1


def test_needs_a_key(anonymous):
    assert_problem(anonymous.get("auto-messages"), 401)


SPANISH = {"subject": "", "body": "Le esperamos el {{ appointment.start_date }}."}


def test_a_variant_per_language_is_saved_kept_on_replace_and_checked(api):
    created = api.post("auto-messages", {**REMINDER, "translations": {"es": SPANISH}})
    assert created.status_code == 201, created.content
    assert created.json()["translations"] == {"es": SPANISH}
    url = f"auto-messages/{created.json()['id']}"
    # Left out of a replace: kept, as a client that never heard of them expects.
    assert api.put(url, {**REMINDER, "enabled": False}).json()["translations"] == {"es": SPANISH}
    errors = field_errors(
        api.put(
            url,
            {
                **REMINDER,
                "translations": {
                    "es": {"body": "{{ appointment.shoe_size }}"},
                    "vi": {"body": ""},
                    "xx": {"body": "Hi"},
                },
            },
        )
    )
    assert set(errors) == {"translations.es.body", "translations.xx"}
    assert "unknown field appointment.shoe_size" in errors["translations.es.body"]
    assert api.get(url).json()["translations"] == {"es": SPANISH}
    assert api.put(url, {**REMINDER, "translations": {}}).json()["translations"] == {}


def test_an_email_variant_needs_its_own_subject(api):
    email = {**REMINDER, "channel": "email", "secure": False, "subject": "Reminder"}
    errors = field_errors(api.post("auto-messages", {**email, "translations": {"es": SPANISH}}))
    assert errors == {"translations.es.subject": "An email needs a subject."}
