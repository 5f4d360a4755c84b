"""The notification in the contact's language (R1.2, R1.3): the organization's variant for
that language, else our shipped default in it, else the organization's own text; dates in
each text follow the language the text is written in."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.utils import translation

from hushpost.delivery.models import Delivery
from hushpost.messaging.links import create_link
from hushpost.messaging.models import DEFAULT_BODY, DEFAULT_SUBJECT, SecureMessagingSettings
from hushpost.messaging.notify import notify_link
from hushpost.messaging.secure_settings import SettingsInvalid, SettingsValues, check, save_settings
from hushpost.messaging.template_fields import OrganizationSender

pytestmark = pytest.mark.django_db

CUSTOM_BODY = "Riverside has news for you, {{ now | date: '%B' }}: {{ secure_link }}"
SPANISH = {
    "subject": "Mensaje seguro de {{ user.company }}",
    "body": "Tiene un mensaje, {{ now | date: '%B' }}: {{ secure_link }}",
}


def notified(contact, settings, channel="email") -> Delivery:
    link, raw = create_link(
        contact=contact,
        message=None,
        channel=channel,
        lifetime=settings.lifetime,
        pin=None,
        pin_source="",
    )
    return notify_link(
        link=link,
        raw_token=raw,
        sender=OrganizationSender(contact.organization),
        settings=settings,
        message=None,
        idempotency_key=f"test:{link.id}",
        actor_label="test",
    )


def in_language(language: str, text: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


@pytest.mark.parametrize("language", ["es", "vi", "ar", "zh-hans"])
def test_our_default_goes_out_in_the_contacts_language(org_a, jane, language):
    jane.language = language
    jane.save()
    delivery = notified(jane, SecureMessagingSettings.objects.for_org(org_a))
    subject = in_language(language, DEFAULT_SUBJECT).replace(
        "{{ user.name_and_company }}", "Riverside Clinic"
    )
    assert subject != DEFAULT_SUBJECT and delivery.subject == subject
    assert "/s/" in delivery.body and "You've received" not in delivery.body


def test_a_variant_for_the_language_wins_and_others_get_the_organizations_own(org_a, jane):
    settings = SecureMessagingSettings.objects.for_org(org_a)
    settings.body = CUSTOM_BODY
    settings.translations = {"es": SPANISH}
    settings.save()
    jane.language = "es"
    jane.save()
    with time_machine.travel(datetime(2026, 12, 9, 15, 0, tzinfo=UTC)):
        spanish = notified(jane, settings)
        jane.language = "de"
        jane.save()
        german = notified(jane, settings)
    assert spanish.subject == "Mensaje seguro de Riverside Clinic"
    assert spanish.body.startswith("Tiene un mensaje, diciembre: http")
    # No German variant: the organization's own English body, its month in English too
    # (never "Dezember" inside an English sentence); the untouched subject is ours, in German.
    assert german.body.startswith("Riverside has news for you, December: http")
    assert german.subject == "Sie haben eine sichere Nachricht von Riverside Clinic erhalten"


def test_a_text_message_gets_the_variants_body(org_a, jane):
    settings = SecureMessagingSettings.objects.for_org(org_a)
    settings.translations = {"es": SPANISH}
    settings.save()
    jane.language = "es"
    jane.save()
    delivery = notified(jane, settings, channel="sms")
    assert delivery.subject == "" and delivery.body.startswith("Tiene un mensaje, ")


def values(**changes) -> SettingsValues:
    base = dict(
        enabled=True,
        subject=DEFAULT_SUBJECT,
        body=DEFAULT_BODY,
        link_lifetime="24h",
        default_pin="",
        translations={"es": SPANISH},
    )
    return SettingsValues(**{**base, **changes})


def test_each_variant_is_checked_like_the_default(org_a):
    problems = check(
        org_a,
        values(
            translations={
                "es": {"subject": "{{ contact.shoe_size }}", "body": "Sin enlace"},
                "fr": {"subject": "", "body": "Lisez-le : {{ secure_link }}"},
                "xx": {"subject": "a", "body": "{{ secure_link }}"},
            }
        ),
    )
    assert problems["translations.es.subject"] == [
        "Line 1, column 4: unknown field contact.shoe_size"
    ]
    assert "{{ secure_link }}" in problems["translations.es.body"][0]
    assert problems["translations.fr.subject"] == ["Give the email subject."]
    assert "is not a contact language" in problems["translations.xx"][0]
    assert "subject" not in problems and "body" not in problems


def test_an_empty_variant_is_no_variant(org_a, alice):
    save_settings(
        org_a, alice, values(translations={"es": SPANISH, "vi": {"subject": " ", "body": ""}})
    )
    assert SecureMessagingSettings.objects.for_org(org_a).translations == {"es": SPANISH}


def test_a_bad_variant_saves_nothing(org_a, alice):
    with pytest.raises(SettingsInvalid):
        save_settings(
            org_a, alice, values(link_lifetime="10d", translations={"es": {"subject": "x"}})
        )
    saved = SecureMessagingSettings.objects.for_org(org_a)
    assert saved.translations == {} and saved.link_lifetime == "24h"
