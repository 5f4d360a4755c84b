"""R2.3: which PIN protects a secure message, decided once, at send time."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import pgettext

from hushpost.contacts.models import Contact, CustomField
from hushpost.messaging.models import PinSource, SecureMessagingSettings
from hushpost.messaging.rendering import TemplateInvalid, fields_used, render
from hushpost.messaging.template_fields import contact_context


@dataclass(frozen=True)
class PinDecision:
    """The PIN in force, or why the message must be held back."""

    pin: str | None
    source: PinSource
    held_reason: str | None = None

    @property
    def held(self) -> bool:
        return self.held_reason is not None


def is_template(value: str) -> bool:
    return "{{" in value or "{%" in value


def pin_in_force(
    contact: Contact,
    settings: SecureMessagingSettings,
    message_pin: str | None = None,
    *,
    custom_keys: frozenset[str] | None = None,
) -> PinDecision:
    """First match wins: this message's PIN, the contact's PIN, the default PIN, none.

    A default PIN template that renders empty for this contact does not mean
    "no PIN": the message would go out unprotected, so it is held back instead.
    The same goes for a template that can no longer render. `custom_keys` lets
    a caller deciding for many contacts look the organization's fields up once.
    """
    message_pin = (message_pin or "").strip()
    if message_pin:
        return PinDecision(message_pin, PinSource.MESSAGE)
    contact_pin = contact.secure_pin.strip()
    if contact_pin:
        return PinDecision(contact_pin, PinSource.CONTACT)
    default = settings.default_pin.strip()
    if not default:
        return PinDecision(None, PinSource.NONE)
    if not is_template(default):
        return PinDecision(default, PinSource.DEFAULT)
    try:
        rendered = render(default, contact_context(contact, custom_keys)).strip()
    except TemplateInvalid as error:
        # Only where it failed, not the error text: Liquid's messages can quote
        # the values involved, and this reason goes into the activity log.
        where = ", ".join(
            f"line {problem.line}, column {problem.column}"
            for problem in error.problems
            if problem.line is not None
        )
        return PinDecision(
            None,
            PinSource.DEFAULT_TEMPLATE,
            held_reason=f"the default PIN template {default} cannot be rendered for this contact"
            + (f" ({where})" if where else ""),
        )
    if not rendered:
        return PinDecision(
            None,
            PinSource.DEFAULT_TEMPLATE,
            held_reason=f"the default PIN template {default} is empty for this contact; "
            "set the contact's secure PIN or fill in the field",
        )
    return PinDecision(rendered, PinSource.DEFAULT_TEMPLATE)


@dataclass(frozen=True)
class PinOrigin:
    """Where a contact's PIN comes from, said without the PIN: for lists of contacts."""

    source: PinSource
    label: str
    held: bool = False


def default_pin_fields(default: str, organization_id: int) -> str:
    """ "the Portal PIN field": which custom fields a default PIN template reads."""
    keys = [name.removeprefix("custom.") for name in fields_used(default) if "." in name]
    labels = dict(
        CustomField.objects.for_org(organization_id)
        .filter(key__in=keys)
        .values_list("key", "label")
    )
    names = [labels.get(key, key) for key in sorted(keys)]
    if not names:
        return pgettext("staff", "the default PIN template")
    if len(names) == 1:
        return pgettext("staff", "the %(name)s field") % {"name": names[0]}
    return pgettext("staff", "the %(names)s and %(last)s fields") % {
        "names": ", ".join(names[:-1]),
        "last": names[-1],
    }


def pin_origin(
    contact: Contact,
    settings: SecureMessagingSettings,
    *,
    custom_keys: frozenset[str] | None = None,
    template_fields: str | None = None,
) -> PinOrigin:
    """`template_fields` (default_pin_fields) may be worked out once for a whole list."""
    decision = pin_in_force(contact, settings, custom_keys=custom_keys)
    if decision.source == PinSource.CONTACT:
        return PinOrigin(decision.source, pgettext("staff", "Own PIN"))
    if decision.source == PinSource.DEFAULT:
        return PinOrigin(decision.source, pgettext("staff", "Organization's default PIN"))
    if decision.source == PinSource.NONE:
        return PinOrigin(decision.source, pgettext("staff", "No PIN"))
    fields = template_fields or default_pin_fields(settings.default_pin, contact.organization_id)
    if decision.held:
        return PinOrigin(
            decision.source,
            pgettext("staff", "None: %(fields)s is empty (secure messages held)")
            % {"fields": fields},
            True,
        )
    return PinOrigin(decision.source, pgettext("staff", "From %(fields)s") % {"fields": fields})
