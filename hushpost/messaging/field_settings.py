"""Field settings: creating, changing and deleting an organization's custom fields.

Custom fields belong to `contacts`, but the rules for changing them live here
because templates use them: a field can't be deleted while a saved template
names it (that keeps R1.6's promise that a saved template can always render),
and `messaging` is the lowest app that knows about templates.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from liquid import Environment
from liquid.exceptions import LiquidError

from hushpost.accounts.models import Organization
from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.contacts.models import Contact, CustomField, FieldType
from hushpost.contacts.values import clean_custom_value
from hushpost.messaging.models import SecureMessagingSettings
from hushpost.messaging.pins import is_template
from hushpost.messaging.rendering import fields_used
from hushpost.messaging.secure_settings import locked_settings
from hushpost.messaging.template_fields import SECURE_LINK

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
KEY_MAX_LENGTH = 50
# Names a template already gives a meaning to: `{{ custom.size }}` is the
# number of custom fields in Liquid, and a field called `contact` would read
# as the contact itself to whoever maintains the template.
RESERVED_KEYS = frozenset(
    {"size", "first", "last", "contact", "custom", "user", "appointment", SECURE_LINK}
)

_probe = Environment()


class FieldRefused(ValueError):
    """A change to a field that can't be made; `field` names the form field at fault."""

    def __init__(self, message: str, field: str | None = None):
        self.message = message
        self.field = field
        super().__init__(message)


class FieldInUse(FieldRefused):
    def __init__(self, key: str, used_in: list[str]):
        self.key = key
        self.used_in = used_in
        super().__init__(
            f"{{{{ custom.{key} }}}} is used by {_and(used_in)}. "
            "Change those templates first, then delete the field."
        )


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


# Where templates live -----------------------------------------------------------

TemplateSource = Callable[[Organization], Iterable[tuple[str, str]]]
_template_sources: list[TemplateSource] = []


def register_template_source(source: TemplateSource) -> TemplateSource:
    """Apps above messaging (auto messages) add their templates to the in-use check here."""
    _template_sources.append(source)
    return source


@register_template_source
def _secure_settings_templates(organization: Organization) -> Iterable[tuple[str, str]]:
    settings = SecureMessagingSettings.objects.for_org(organization)
    yield "the notification subject in Messaging settings", settings.subject
    yield "the notification body in Messaging settings", settings.body
    for code, variant in (settings.translations or {}).items():
        for part, text in variant.items():
            yield f"the notification {part} ({code}) in Messaging settings", text
    if is_template(settings.default_pin):
        yield "the default contact PIN in Messaging settings", settings.default_pin


def template_uses(organization: Organization, key: str) -> list[str]:
    """Where the organization's saved templates name {{ custom.<key> }}."""
    name = f"custom.{key}"
    return [
        where
        for source in _template_sources
        for where, template in source(organization)
        if name in fields_used(template)
    ]


def uses_by_key(organization: Organization) -> dict[str, list[str]]:
    keys = CustomField.objects.for_org(organization).values_list("key", flat=True)
    return {key: template_uses(organization, key) for key in keys}


# Checks -----------------------------------------------------------------------


def key_problem(organization: Organization, key: str) -> str | None:
    if not key:
        return "Give the key templates will use."
    if len(key) > KEY_MAX_LENGTH or not KEY_PATTERN.match(key):
        return (
            "Use lowercase letters, digits and underscores, starting with a letter, "
            f"at most {KEY_MAX_LENGTH} characters (such as insurance_number)."
        )
    if key in RESERVED_KEYS or not _reads_as_field(key):
        return (
            f"“{key}” already means something in templates; choose another key, "
            f"such as {key}_value."
        )
    if CustomField.objects.for_org(organization).filter(key=key).exists():
        return f"This organization already has a field with the key “{key}”."
    return None


def _reads_as_field(key: str) -> bool:
    # Liquid's keywords (true, empty, and, in …) can't follow a dot; asking the
    # parser keeps this right whatever Liquid adds later.
    try:
        return _probe.from_string(f"{{{{ custom.{key} }}}}").render(custom={key: "x"}) == "x"
    except LiquidError:
        return False


def type_change_problem(field: CustomField, field_type: str) -> str | None:
    """Refuse a new type that some contacts' stored values don't fit."""
    if field_type == field.field_type or field_type == FieldType.TEXT:
        return None
    probe = CustomField(key=field.key, label=field.label, field_type=field_type)
    bad = 0
    for contact in _contacts_with(field):
        try:
            clean_custom_value(probe, _text(contact.custom.get(field.key)))
        except ValueError:
            bad += 1
    if not bad:
        return None
    label = FieldType(field_type).label.lower()
    some = "1 contact has a value" if bad == 1 else f"{bad} contacts have values"
    return (
        f"{some} in this field that {'is' if bad == 1 else 'are'} not a {label}; "
        "correct them first."
    )


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _contacts_with(field: CustomField, *, lock: bool = False) -> Iterator[Contact]:
    """The contacts holding a value for the field (a sensitive value can only be looked
    for after decrypting)."""
    columns = ("id", "organization_id", *Contact.CUSTOM_COLUMNS)
    contacts = Contact.objects.for_org(field.organization).only(*columns).order_by("pk")
    if lock:
        # Rewriting values: an edit of the same contact waits rather than being overwritten.
        contacts = contacts.select_for_update(no_key=True, of=("self",))
    has_plain = Q(custom_plain__has_key=field.key)
    may_have = has_plain | ~Q(custom_sensitive_encrypted="")
    for contact in contacts.filter(may_have).iterator(chunk_size=500):
        if field.key in contact.custom:
            yield contact


def contacts_with_values(field: CustomField) -> int:
    return sum(1 for _ in _contacts_with(field))


# Changes ----------------------------------------------------------------------


@transaction.atomic
def create_field(
    organization: Organization,
    *,
    actor,
    key: str,
    label: str,
    field_type: str,
    sensitive: bool = False,
) -> CustomField:
    problem = key_problem(organization, key)
    if problem:
        raise FieldRefused(problem, "key")
    try:
        with transaction.atomic():
            field = CustomField.objects.create(
                organization=organization,
                key=key,
                label=label,
                field_type=field_type,
                sensitive=sensitive,
            )
    except IntegrityError:
        # Two admins adding the same key at once: the constraint decides.
        raise FieldRefused(
            f"This organization already has a field with the key “{key}”.", "key"
        ) from None
    extra: dict[str, Any] = {"sensitive": True} if sensitive else {}
    record(
        organization,
        EventKind.FIELDS_CHANGED,
        actor=actor,
        key=key,
        change="created",
        type=field_type,
        **extra,
    )
    return field


@transaction.atomic
def update_field(
    field: CustomField,
    *,
    actor,
    label: str,
    field_type: str,
    sensitive: bool | None = None,
    actor_label: str = "",
) -> list[str]:
    """Change the label, type and sensitivity (never the key: templates refer to
    it). Returns what changed."""
    field = CustomField.objects.select_for_update().get(pk=field.pk)
    sensitive = field.sensitive if sensitive is None else sensitive
    wanted = (("label", label), ("field_type", field_type), ("sensitive", sensitive))
    changed = [name for name, value in wanted if getattr(field, name) != value]
    if not changed:
        return []
    problem = type_change_problem(field, field_type)
    if problem:
        raise FieldRefused(problem, "field_type")
    if "field_type" in changed:
        _restore_values(field, field_type)
    field.label = label
    field.field_type = field_type
    field.sensitive = sensitive
    field.save(update_fields=["label", "field_type", "sensitive"])
    if "sensitive" in changed:
        _move_values(field)
    record(
        field.organization,
        EventKind.FIELDS_CHANGED,
        actor=actor,
        actor_label=actor_label,
        key=field.key,
        change="updated",
        fields=", ".join(changed),
    )
    return changed


def _move_values(field: CustomField) -> None:
    # Re-assigning `custom` files each value by the sensitivity now saved (in
    # this transaction): plain → encrypted, or back.
    for contact in list(_contacts_with(field, lock=True)):
        contact.custom = contact.custom
        contact.save(update_fields=Contact.CUSTOM_COLUMNS)


def _restore_values(field: CustomField, field_type: str) -> None:
    # Values are stored in their type's canonical form (numbers plain, dates
    # ISO); a text field's "03/04/2025" becomes "2025-03-04" as a date.
    probe = CustomField(key=field.key, label=field.label, field_type=field_type)
    for contact in list(_contacts_with(field)):
        value = clean_custom_value(probe, _text(contact.custom.get(field.key)))
        if value != contact.custom.get(field.key):
            contact.custom = {**contact.custom, field.key: value}
            contact.save(update_fields=Contact.CUSTOM_COLUMNS)


@transaction.atomic
def delete_field(field: CustomField, *, actor) -> None:
    """Delete a field no template uses, and every contact's value for it."""
    # save_settings takes the same lock: a template naming this field can't be
    # saved between this check and the delete.
    locked_settings(field.organization)
    used_in = template_uses(field.organization, field.key)
    if used_in:
        raise FieldInUse(field.key, used_in)
    cleared = 0
    for contact in list(_contacts_with(field)):
        contact.custom = {k: v for k, v in contact.custom.items() if k != field.key}
        contact.save(update_fields=Contact.CUSTOM_COLUMNS)
        cleared += 1
    record(
        field.organization,
        EventKind.FIELDS_CHANGED,
        actor=actor,
        key=field.key,
        change="deleted",
        values_cleared=cleared,
    )
    field.delete()
