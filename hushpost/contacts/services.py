"""Creating, changing and deleting contacts, each change logged."""

from __future__ import annotations

from django.db import transaction

from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.contacts.models import Contact


@transaction.atomic
def save_contact(
    contact: Contact, *, actor, changed: list[str], created: bool, actor_label: str = ""
) -> Contact:
    contact.save()
    if created:
        record(
            contact.organization,
            EventKind.CONTACT_CREATED,
            contact=contact,
            actor=actor,
            actor_label=actor_label,
        )
    elif changed:
        # Field names only: the values may be sensitive.
        record(
            contact.organization,
            EventKind.CONTACT_UPDATED,
            contact=contact,
            actor=actor,
            actor_label=actor_label,
            fields=", ".join(changed),
        )
    return contact


@transaction.atomic
def delete_contact(contact: Contact, *, actor, actor_label: str = "") -> None:
    record(
        contact.organization,
        EventKind.CONTACT_DELETED,
        contact=contact,
        actor=actor,
        actor_label=actor_label,
        contact_id=str(contact.id),
    )
    contact.delete()
