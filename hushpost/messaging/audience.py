"""Who a send is for, resolved to ids before anything is sent.

A send names its recipients as contact ids, or as a filter over the
organization's contacts (all of them, or those whose custom field holds a
value). Apps above messaging add kinds of their own (appointments register
theirs in AppConfig.ready()): each kind says how to turn stored ids back into
Compose recipients, in batches, when the send is fanned out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from uuid import UUID

from django.db import connection
from django.db.models.expressions import RawSQL

from hushpost.accounts.models import Organization
from hushpost.contacts.models import Contact, CustomField

MAX_RECIPIENTS = 100_000


class AudienceError(ValueError):
    """The recipients can't be resolved; `field` names what the caller sent wrong."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


@dataclass(frozen=True)
class Audience:
    """Recipients by id, in the order they go out: `kind` says what the ids are."""

    kind: str
    ids: list[str]

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class AudienceKind:
    # The recipients for a batch of ids, in order; ids gone since are left out.
    load: Callable[[Organization, Sequence[str]], list]
    # The template fields these recipients add, as check_compose takes them.
    extra_fields: dict[str, frozenset[str]] | None = None


KINDS: dict[str, AudienceKind] = {}


def register_kind(name: str, kind: AudienceKind) -> None:
    KINDS[name] = kind


def _load_contacts(organization: Organization, ids: Sequence[str]) -> list:
    from hushpost.messaging.compose import Recipient

    # With the organization: each recipient's notification names it.
    found = Contact.objects.for_org(organization).select_related("organization").in_bulk(list(ids))
    return [Recipient(found[UUID(i)]) for i in ids if UUID(i) in found]


register_kind("contacts", AudienceKind(load=_load_contacts))


def _too_many(field: str, count: int) -> AudienceError:
    return AudienceError(
        field, f"At most {MAX_RECIPIENTS:,} recipients in one send; this is {count:,}."
    )


def known_ids(queryset, wanted: list[UUID], field: str, noun: str) -> list[str]:
    """`wanted` (once each, in the order given), refused if any is not in `queryset`.

    Another organization's id is reported exactly like one that never existed:
    the answer must not tell which ids exist elsewhere.
    """
    wanted = list(dict.fromkeys(wanted))
    if len(wanted) > MAX_RECIPIENTS:
        raise _too_many(field, len(wanted))
    found: set[UUID] = set()
    if connection.vendor == "postgresql":
        # One array parameter: 10,000 ids as 10,000 parameters of an IN list take
        # PostgreSQL three times as long to parse and plan as to look up.
        kind = queryset.model._meta.pk.db_type(connection)
        among = RawSQL(f"SELECT unnest(%s::{kind}[])", [wanted])
        found.update(queryset.filter(pk__in=among).values_list("pk", flat=True))
    else:
        # In slices: SQLite caps the parameters of one statement.
        for start in range(0, len(wanted), 5000):
            found.update(
                queryset.filter(pk__in=wanted[start : start + 5000]).values_list("pk", flat=True)
            )
    unknown = [str(i) for i in wanted if i not in found]
    if unknown:
        shown = ", ".join(unknown[:20]) + (
            f" and {len(unknown) - 20:,} more" if len(unknown) > 20 else ""
        )
        raise AudienceError(field, f"Unknown {noun} ids: {shown}.")
    return [str(i) for i in wanted]


def contacts_by_id(organization: Organization, contact_ids: list[UUID]) -> Audience:
    return Audience(
        "contacts",
        known_ids(Contact.objects.for_org(organization), contact_ids, "contact_ids", "contact"),
    )


def _ordered_ids(queryset, field: str) -> list[str]:
    # Oldest contact first: a stable order, so a resumed fan-out picks up where it was.
    ids = [
        str(i)
        for i in queryset.order_by("created_at", "pk").values_list("pk", flat=True)[
            : MAX_RECIPIENTS + 1
        ]
    ]
    if len(ids) > MAX_RECIPIENTS:
        raise _too_many(field, queryset.count())
    return ids


def all_contacts(organization: Organization) -> Audience:
    return Audience("contacts", _ordered_ids(Contact.objects.for_org(organization), "filter"))


def contacts_where(organization: Organization, values: dict[str, str]) -> Audience:
    """Contacts whose custom fields hold exactly these values (as stored: text)."""
    if not values:
        raise AudienceError("filter", "Name a custom field and the value to match.")
    fields = {f.key: f for f in CustomField.objects.for_org(organization).filter(key__in=values)}
    contacts = Contact.objects.for_org(organization)
    for key, value in values.items():
        field = fields.get(key)
        if field is None:
            raise AudienceError("filter", f"There is no custom field “{key}”.")
        if field.sensitive:
            # Its values are encrypted row by row: the database can't match them.
            raise AudienceError(
                "filter",
                f"“{field.label}” is a sensitive field, stored encrypted; "
                "sends can't be filtered by it.",
            )
        contacts = contacts.filter(**{f"custom_plain__{key}": str(value)})
    return Audience("contacts", _ordered_ids(contacts, "filter"))


def load(organization: Organization, audience_kind: str, ids: Sequence[str]) -> list:
    return KINDS[audience_kind].load(organization, ids)


def extra_fields_of(audience_kind: str) -> dict[str, frozenset[str]] | None:
    return KINDS[audience_kind].extra_fields
