"""Revoking secure links: all of a contact's
(`/contacts/{id}/links/revoke`) or one (`/links/{id}/revoke`); unlocking a
locked one (`/links/{id}/unlock`, messaging/unlocking.py).

Both are idempotent: revoking what is already revoked changes nothing and
answers 200. Another organization's ids answer 404, like unknown ones.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ninja import Router, Schema
from ninja.errors import HttpError

from hushpost.api.auth import actor_label
from hushpost.api.contacts import find_contact
from hushpost.api.problems import Invalid, NotFound
from hushpost.api.schemas import Problem, ValidationProblem
from hushpost.messaging.revocation import find_org_link, revoke_all_links, revoke_link
from hushpost.messaging.unlocking import UnlockRefused, unlock_link

router = Router(tags=["links"])
ERRORS = {401: Problem, 404: Problem, 422: ValidationProblem}


class ContactLinksRevoked(Schema):
    contact_id: UUID
    revoked: int  # links ended by this request; 0 when none was live


class LinkRevoked(Schema):
    id: UUID
    contact_id: UUID
    revoked_at: datetime
    changed: bool  # False when the link was already revoked


@router.post(
    "/contacts/{contact_id}/links/revoke",
    response={200: ContactLinksRevoked, **ERRORS},
    summary="Revoke all of a contact's secure links",
    description=(
        "Every link of the contact that is not revoked yet stops working at once, "
        "and can't ask for a new one."
    ),
)
def revoke_contact_links(request, contact_id: UUID):
    contact = find_contact(request.org, contact_id)
    count = revoke_all_links(contact, actor_label=actor_label(request))
    return {"contact_id": contact.pk, "revoked": count}


@router.post(
    "/links/{link_id}/revoke",
    response={200: LinkRevoked, **ERRORS},
    summary="Revoke one secure link",
)
def revoke_one_link(request, link_id: UUID):
    """The link stops working at once; a portal page it opened closes at its next request."""
    link = find_org_link(request.org, link_id)
    if link is None:
        raise NotFound("No link with this id.")
    changed = revoke_link(link, actor_label=actor_label(request))
    link.refresh_from_db(fields=["revoked_at"])
    return {
        "id": link.pk,
        "contact_id": link.contact_id,
        "revoked_at": link.revoked_at,
        "changed": changed,
    }


class UnlockIn(Schema):
    reason: str  # why, kept in the audit trail (link_unlocked)


class LinkUnlocked(Schema):
    id: UUID
    contact_id: UUID
    expires_at: datetime
    failed_pin_attempts: int  # the count of wrong PINs the link had before the unlock


@router.post(
    "/links/{link_id}/unlock",
    response={200: LinkUnlocked, 409: Problem, **ERRORS},
    summary="Unlock a link locked by wrong PINs",
    description=(
        "The link takes PINs again, its own count of wrong PINs starting afresh; the "
        "contact's limit of wrong PINs over all their links stays in force. Audited as "
        "`link_unlocked` with the key and the reason. A link that is not locked, or is "
        "expired, revoked or replaced, answers 409; an empty reason 422."
    ),
)
def unlock_one_link(request, link_id: UUID, payload: UnlockIn):
    link = find_org_link(request.org, link_id)
    if link is None:
        raise NotFound("No link with this id.")
    try:
        done = unlock_link(link, reason=payload.reason, actor_label=actor_label(request))
    except UnlockRefused as refusal:
        if refusal.field:
            raise Invalid([(refusal.field, str(refusal))]) from None
        raise HttpError(409, str(refusal)) from None
    return {
        "id": link.pk,
        "contact_id": link.contact_id,
        "expires_at": done.link.expires_at,
        "failed_pin_attempts": done.failed_pin_attempts,
    }
