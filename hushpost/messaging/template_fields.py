"""Which fields each kind of message template may use, and their values for a contact."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import pgettext_lazy

from hushpost.accounts.models import USER_TEMPLATE_FIELDS, Organization
from hushpost.contacts.models import CONTACT_TEMPLATE_FIELDS, Contact, CustomField
from hushpost.messaging.rendering import FieldSpec
from hushpost.messaging.template_dates import NOW, TemplateDateTime, now_in

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

SECURE_LINK = "secure_link"
# What "Fields you can use" says beside a field whose name doesn't say it all.
FIELD_HELP: dict[str, StrOrPromise] = {
    NOW: pgettext_lazy(
        "staff",
        "the current date and time in your organization's time zone; "
        'format it with the date filter, as {{ now | date: "%A %-d %B" }} '
        "(day and month names in the contact's language)",
    ),
    SECURE_LINK: pgettext_lazy("staff", "the personal link to the secure conversation (required)"),
}


def custom_keys(organization: Organization) -> frozenset[str]:
    return frozenset(CustomField.objects.for_org(organization).values_list("key", flat=True))


def contact_spec(organization: Organization) -> FieldSpec:
    """Fields about the contact alone: what a default PIN template may use."""
    return FieldSpec(
        objects={"contact": frozenset(CONTACT_TEMPLATE_FIELDS), "custom": custom_keys(organization)}
    )


def notification_spec(organization: Organization) -> FieldSpec:
    """The secure notification: sender, contact, and the link itself."""
    base = contact_spec(organization)
    return FieldSpec(
        objects={**base.objects, "user": frozenset(USER_TEMPLATE_FIELDS)},
        scalars=frozenset({SECURE_LINK, NOW}),
    )


def contact_context(
    contact: Contact, keys: frozenset[str] | None = None
) -> dict[str, dict[str, str]]:
    keys = custom_keys(contact.organization) if keys is None else keys
    # Every defined field is present, empty when the contact has no value, so a
    # validated template never meets an undefined field.
    custom = {
        key: "" if contact.custom.get(key) is None else str(contact.custom.get(key)) for key in keys
    }
    return {
        "contact": {
            "name": contact.name,
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "email": contact.email,
            "phone": contact.phone,
            "time_zone": contact.effective_time_zone,
            "language": contact.language,
        },
        "custom": custom,
    }


def now_for(contact: Contact, language: str | None = None) -> TemplateDateTime:
    """`{{ now }}`: the organization's time, named in the language of the text it lands
    in (the contact's unless told)."""
    return now_in(contact.organization.time_zone, language or contact.language)


def notification_context(
    user,
    contact: Contact,
    secure_link: str,
    *,
    language: str | None = None,
    keys: frozenset[str] | None = None,
) -> dict[str, object]:
    """`keys` (custom_keys) lets a caller notifying many contacts look them up once."""
    return {
        **contact_context(contact, keys),
        "user": user.template_context(),
        SECURE_LINK: secure_link,
        NOW: now_for(contact, language),
    }


def message_spec(organization: Organization) -> FieldSpec:
    """A message's own body and subject: the sender and the contact (no link)."""
    base = contact_spec(organization)
    return FieldSpec(
        objects={**base.objects, "user": frozenset(USER_TEMPLATE_FIELDS)},
        scalars=frozenset({NOW}),
    )


def message_context(
    user, contact: Contact, keys: frozenset[str] | None = None, *, language: str | None = None
) -> dict[str, object]:
    return {
        **contact_context(contact, keys),
        "user": user.template_context(),
        NOW: now_for(contact, language),
    }


class OrganizationSender:
    """Who `{{ user.* }}` is when no staff member sends (the API, a new link
    the contact asked for)."""

    def __init__(self, organization: Organization):
        self.organization = organization

    def template_context(self) -> dict[str, str]:
        company = self.organization.company_name or self.organization.name
        return {field: "" for field in USER_TEMPLATE_FIELDS} | {
            "name_and_company": company,
            "name": company,
            "company": company,
        }
