"""R1: checking, saving and previewing an organization's secure messaging settings.

Every check lives here so the staff page and the API refuse the same things
with the same words (R1.6). `save_settings` checks again under a lock on the
settings row, the same lock `field_settings.delete_field` takes, so a field
can't disappear between the check and the save of a template that uses it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import pgettext, pgettext_lazy

from hushpost.accounts.models import Organization
from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.contacts.models import Contact
from hushpost.contacts.values import is_pin
from hushpost.messaging.models import LinkLifetime, SecureMessagingSettings
from hushpost.messaging.notification_texts import (
    normalized_translations,
    text_for,
    unknown_language_problem,
)
from hushpost.messaging.pins import PinDecision, is_template, pin_in_force
from hushpost.messaging.rendering import Problem, TemplateInvalid, problems_in, render
from hushpost.messaging.template_fields import (
    SECURE_LINK,
    contact_spec,
    notification_context,
    notification_spec,
)

FIELD_NAMES = ("enabled", "subject", "body", "link_lifetime", "default_pin", "translations")
PREVIEW_LINK_PATH = "/s/preview-link"
PREVIEW_CONTACT_LIMIT = 200

REQUIRED_LINK = pgettext_lazy(
    "staff",
    "The body must contain {{ secure_link }}: "
    "it is the contact's personal link to the conversation.",
)
LITERAL_PIN_RULE = pgettext_lazy(
    "staff",
    "A default PIN is letters and digits only, with no spaces or symbols, "
    "or a template such as {{ custom.my_secure_pin_field }}.",
)


@dataclass(frozen=True)
class SettingsValues:
    """The five settings of R1.1–R1.5, as typed or as saved, and the notification's
    variants per contact language ({"es": {"subject": …, "body": …}})."""

    enabled: bool
    subject: str
    body: str
    link_lifetime: str
    default_pin: str
    translations: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def of(cls, settings: SecureMessagingSettings) -> SettingsValues:
        return cls(
            settings.enabled,
            settings.subject,
            settings.body,
            settings.link_lifetime,
            settings.default_pin,
            normalized_translations(settings.translations),
        )

    def normalized(self) -> SettingsValues:
        # Browsers send textarea line breaks as CRLF; store one kind so line
        # numbers and change detection don't depend on the browser.
        return SettingsValues(
            enabled=bool(self.enabled),
            subject=(self.subject or "").strip(),
            body=(self.body or "").replace("\r\n", "\n").replace("\r", "\n").strip(),
            link_lifetime=self.link_lifetime or "",
            default_pin=(self.default_pin or "").strip(),
            translations=normalized_translations(self.translations),
        )


class SettingsInvalid(ValueError):
    def __init__(self, problems: dict[str, list[str]]):
        self.problems = problems
        super().__init__("; ".join(f"{name}: {', '.join(msgs)}" for name, msgs in problems.items()))


def subject_problems(organization: Organization, subject: str) -> list[str]:
    if not subject:
        return [pgettext("staff", "Give the email subject.")]
    if "\n" in subject or "\r" in subject:
        return [pgettext("staff", "The subject is a single line.")]
    return [str(p) for p in problems_in(subject, notification_spec(organization))]


def body_problems(organization: Organization, body: str) -> list[str]:
    if not body:
        return [str(REQUIRED_LINK)]
    problems = problems_in(body, notification_spec(organization), required=[SECURE_LINK])
    # The generic wording names the field; here we can also say why it matters.
    missing_link = Problem(f"the template must contain {{{{ {SECURE_LINK} }}}}")
    return [str(REQUIRED_LINK) if p == missing_link else str(p) for p in problems]


def default_pin_problems(organization: Organization, value: str) -> list[str]:
    if not value:
        return []
    if is_template(value):
        return [str(p) for p in problems_in(value, contact_spec(organization))]
    return [] if is_pin(value) else [str(LITERAL_PIN_RULE)]


def check(organization: Organization, values: SettingsValues) -> dict[str, list[str]]:
    """What is wrong with each setting; empty when they can all be saved."""
    values = values.normalized()
    problems = {
        "subject": subject_problems(organization, values.subject),
        "body": body_problems(organization, values.body),
        "link_lifetime": []
        if values.link_lifetime in LinkLifetime.values
        else [
            pgettext("staff", "Choose one of: %(choices)s.")
            % {"choices": ", ".join(str(label) for label in LinkLifetime.labels)}
        ],
        "default_pin": default_pin_problems(organization, values.default_pin),
        **translation_problems(organization, values.translations),
    }
    return {name: found for name, found in problems.items() if found}


def translation_problems(
    organization: Organization, translations: dict[str, dict[str, str]]
) -> dict[str, list[str]]:
    """Each language's variant checked like the default, under `translations.<code>.<part>`."""
    problems: dict[str, list[str]] = {}
    for code, variant in translations.items():
        unknown = unknown_language_problem(code)
        if unknown:
            problems[f"translations.{code}"] = [unknown]
            continue
        problems[f"translations.{code}.subject"] = subject_problems(
            organization, variant["subject"]
        )
        problems[f"translations.{code}.body"] = body_problems(organization, variant["body"])
    return problems


def locked_settings(organization: Organization) -> SecureMessagingSettings:
    """The organization's settings row, locked until the transaction ends."""
    settings, _ = SecureMessagingSettings.objects.select_for_update().get_or_create(
        organization=organization
    )
    return settings


@transaction.atomic
def save_settings(
    organization: Organization, actor, values: SettingsValues, *, actor_label: str = ""
) -> list[str]:
    """Save all the settings or none; returns the names of those that changed."""
    values = values.normalized()
    settings = locked_settings(organization)
    problems = check(organization, values)
    if problems:
        raise SettingsInvalid(problems)
    before = SettingsValues.of(settings)
    changed = [name for name in FIELD_NAMES if getattr(before, name) != getattr(values, name)]
    if not changed:
        return []
    settings.enabled = values.enabled
    settings.subject = values.subject
    settings.body = values.body
    settings.link_lifetime = values.link_lifetime
    settings.default_pin = values.default_pin
    settings.translations = values.translations
    settings.updated_at = timezone.now()
    settings.save()
    # Names only: the templates and the default PIN stay out of the log.
    record(
        organization,
        EventKind.SETTINGS_CHANGED,
        actor=actor,
        actor_label=actor_label,
        section="secure messaging",
        fields=", ".join(changed),
    )
    return changed


# The preview ----------------------------------------------------------------


@dataclass(frozen=True)
class Rendered:
    text: str | None = None
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Preview:
    contact: Contact
    sample_contact: bool
    link: str
    subject: Rendered
    body: Rendered
    pin: PinDecision | None
    pin_problems: list[str]


def preview_contacts(organization: Organization) -> list[Contact]:
    return list(
        Contact.objects.for_org(organization).order_by("name", "id")[:PREVIEW_CONTACT_LIMIT]
    )


def preview_contact(
    organization: Organization, contact_id: str | None, choices: list[Contact]
) -> Contact | None:
    """The contact asked for, if it is this organization's; else the first choice."""
    if contact_id:
        for contact in choices:
            if str(contact.pk) == contact_id:
                return contact
        try:
            return Contact.objects.for_org(organization).get(pk=contact_id)
        except (Contact.DoesNotExist, ValidationError, ValueError):
            pass  # a stale or foreign id: fall back, as for none
    return choices[0] if choices else None


def sample_contact(organization: Organization) -> Contact:
    """Someone to preview with before the organization has contacts; never saved."""
    return Contact(
        organization=organization,
        name="Sample Contact",
        email="sample@example.com",
        phone="+15555550100",
    )


def _render(source: str, problems: list[str], context: dict[str, object]) -> Rendered:
    if problems:
        return Rendered(problems=problems)
    try:
        return Rendered(text=render(source, context))
    except TemplateInvalid as error:
        # A contact's own values can still trip a template (a loop bound by a
        # number field, say): show it, don't fail the page.
        return Rendered(problems=[str(p) for p in error.problems])


def preview(
    organization: Organization, user, values: SettingsValues, contact: Contact | None
) -> Preview:
    """The notification and the PIN in force for one contact, with unsaved values."""
    values = values.normalized()
    is_sample = contact is None
    contact = sample_contact(organization) if contact is None else contact
    link = f"{django_settings.BASE_URL}{PREVIEW_LINK_PATH}"
    # The text this contact would get: their language's variant, if typed.
    unsaved_texts = SecureMessagingSettings(
        organization=organization,
        subject=values.subject,
        body=values.body,
        translations=values.translations,
    )
    subject = text_for(unsaved_texts, "subject", contact.language)
    body = text_for(unsaved_texts, "body", contact.language)
    pin_problems = default_pin_problems(organization, values.default_pin)
    decision = None
    if not pin_problems:
        unsaved = SecureMessagingSettings(organization=organization)
        unsaved.default_pin = values.default_pin
        decision = pin_in_force(contact, unsaved)
    return Preview(
        contact=contact,
        sample_contact=is_sample,
        link=link,
        subject=_render(
            subject.source,
            subject_problems(organization, subject.source),
            notification_context(user, contact, link, language=subject.language),
        ),
        body=_render(
            body.source,
            body_problems(organization, body.source),
            notification_context(user, contact, link, language=body.language),
        ),
        pin=decision,
        pin_problems=pin_problems,
    )
