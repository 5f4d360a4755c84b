"""What keeps a delivery from going out, decided as late as possible.

`why_held` reads the contact and link fresh: the worker asks it right after
claiming, and a staff Retry asks it before queuing again, so an opt-out, a
changed address or a revoked link since queuing stops the send with words
staff can read. `hold_for_revoked_links` holds back the notifications still
queued with links staff just revoked; a worker that claimed one first holds
it itself, since it asks `why_held` after claiming.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from hushpost.contacts.phones import LANDLINE_REASON
from hushpost.delivery.lifecycle import Move, apply
from hushpost.delivery.models import Channel, Delivery, DeliveryStatus

# The same words whether revocation held it while queued or the worker found it at claim time.
LINK_REVOKED = "the secure link was revoked before it was sent"


def why_held(delivery: Delivery) -> str:
    """What changed since queuing that means this must not go out (read fresh at claim time)."""
    if delivery.link is not None and delivery.link.revoked_at is not None:
        return LINK_REVOKED
    contact = delivery.contact
    if delivery.channel == Channel.EMAIL:
        current, label, opted_out = contact.email, "email address", contact.email_opt_out
        same = current.lower() == delivery.to.lower()
    else:
        current, label, opted_out = (
            contact.phone,
            "phone number",
            contact.sms_opt_out and delivery.channel == Channel.SMS,
        )
        same = current == delivery.to
    if opted_out:
        return (
            "opted out of email"
            if delivery.channel == Channel.EMAIL
            else "opted out of text messages"
        )
    if delivery.channel == Channel.SMS and contact.phone_is_landline:
        return LANDLINE_REASON
    if not current:
        # The same words as messaging's check at queuing time.
        return (
            "no email address on file"
            if delivery.channel == Channel.EMAIL
            else "no mobile phone on file"
        )
    if not same:
        # The old address may belong to someone else now; a link must not go there.
        return f"the contact's {label} changed after this was queued; not sent to the old one"
    return ""


def hold_for_revoked_links(
    link_ids: Iterable, *, actor=None, actor_label: str = "", now: datetime.datetime
) -> int:
    """Hold back the queued notifications carrying these links; returns how many."""
    waiting = Delivery.objects.filter(
        link_id__in=list(link_ids), status=DeliveryStatus.QUEUED
    ).select_related("organization", "contact", "message", "link")
    # Each move is conditional on still queued: a worker's claim in between wins.
    return sum(
        apply(
            delivery,
            Move.HOLD_FOR_REVOKED_LINK,
            actor=actor,
            actor_label=actor_label,
            detail={"reason": LINK_REVOKED},
            now=now,
            reason=LINK_REVOKED,
        )
        for delivery in waiting
    )
