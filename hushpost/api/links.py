"""Revoking secure links: all of a contact's
(`/contacts/{id}/links/revoke`) or one (`/links/{id}/revoke`).

Both are idempotent: revoking what is already revoked changes nothing and
answers 200. Another organization's ids answer 404, like unknown ones.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ninja import Router, Schema

from hushpost.api.auth import actor_label
from hushpost.api.contacts import find_contact
from hushpost.api.problems import NotFound
from hushpost.api.schemas import Problem, ValidationProblem
from hushpost.messaging.revocation import find_org_link, revoke_all_links, revoke_link

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
