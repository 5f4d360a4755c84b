"""Staff end secure links: one link, or every link of a contact at once.

Revoked is final. Unlike an expired or locked link, a revoked one offers no
"send me a new link" (staff want it dead), its page is the same "not valid"
page as an unknown token, and a portal session it opened ends at its next
request (portal/sessions.py checks the link on every request).

Every link that is not revoked counts as live here, expired and locked ones
included: those can still ask for a new link, so "revoke all" must reach them.

A notification still queued with a revoked link would only bring the contact
a dead link: delivery holds it back in the same transaction
(holds.hold_for_revoked_links). Only rows still queued change, so a worker
that claimed it first keeps it — and then holds it itself, since
holds.why_held reads the link fresh after claiming.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.contacts.models import Contact
from hushpost.delivery.holds import hold_for_revoked_links
from hushpost.messaging.links import LinkState, link_state
from hushpost.messaging.models import SecureLink

# The contact's page lists this many of the newest live links; "Revoke all" reaches every one.
LISTED_LINKS = 50


@dataclass(frozen=True)
class LiveLink:
    """What staff may see of a link: never its token or PIN."""

    id: object
    created_at: datetime
    expires_at: datetime
    channel: str
    channel_label: str
    state: LinkState
    opened: bool


def live_links(contact: Contact) -> QuerySet[SecureLink]:
    return SecureLink.objects.filter(
        contact=contact, organization_id=contact.organization_id, revoked_at__isnull=True
    ).order_by("-created_at", "-id")


def listed_links(contact: Contact, *, now: datetime | None = None) -> list[LiveLink]:
    now = now or timezone.now()
    return [
        LiveLink(
            id=link.id,
            created_at=link.created_at,
            expires_at=link.expires_at,
            channel=link.channel,
            channel_label=link.get_channel_display(),
            state=link_state(link, now),
            opened=link.first_clicked_at is not None,
        )
        for link in live_links(contact)[:LISTED_LINKS]
    ]


def find_org_link(organization, link_id) -> SecureLink | None:
    """The organization's link by id; another organization's id finds nothing."""
    return (
        SecureLink.objects.for_org(organization)
        .select_related("contact")
        .filter(pk=link_id)
        .first()
    )


def revoke_link(
    link: SecureLink, *, actor=None, actor_label: str = "", now: datetime | None = None
) -> bool:
    """End one link; False when it was already revoked (nothing changes, nothing is logged)."""
    return _revoke(link.contact, actor=actor, actor_label=actor_label, link=link, now=now) == 1


def revoke_all_links(
    contact: Contact, *, actor=None, actor_label: str = "", now: datetime | None = None
) -> int:
    """End every live link of the contact at once; returns how many were ended (0 logs nothing)."""
    return _revoke(contact, actor=actor, actor_label=actor_label, link=None, now=now)


def _revoke(
    contact: Contact, *, actor, actor_label: str, link: SecureLink | None, now: datetime | None
) -> int:
    now = now or timezone.now()
    with transaction.atomic():
        # The same lock "send me a new link" takes: a renewal racing with
        # "revoke all" either finishes first (and its new link is revoked
        # here) or waits and then finds its link revoked.
        Contact.objects.select_for_update(no_key=True).filter(pk=contact.pk).first()
        links = live_links(contact)
        if link is not None:
            links = links.filter(pk=link.pk)
        revoked = list(links.values_list("pk", flat=True))
        count = SecureLink.objects.filter(pk__in=revoked, revoked_at__isnull=True).update(
            revoked_at=now
        )
        if count:
            detail = {"links": count} if link is None else {}
            record(
                contact.organization,
                EventKind.LINK_REVOKED,
                contact=contact,
                link=link,
                message=link.message if link is not None else None,
                actor=actor,
                actor_label=actor_label,
                **detail,
            )
            hold_for_revoked_links(revoked, actor=actor, actor_label=actor_label, now=now)
    return count
