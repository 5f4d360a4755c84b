"""R6.3/R6.4: the contact asks for a new link from an expired or locked one.

It goes on the same channel to the phone or email on file — never to an
address typed on the page — carries the same PIN in force, and is
rate-limited per link and per contact so the page can't be used to pump SMS.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from hushpost.activity.log import record
from hushpost.activity.models import Event, EventKind
from hushpost.delivery.models import Channel
from hushpost.messaging.links import LinkState, create_link, link_state, mask_email, mask_phone
from hushpost.messaging.models import SecureLink, SecureMessagingSettings
from hushpost.messaging.notify import address_for, notify_link, why_unreachable
from hushpost.messaging.template_fields import OrganizationSender

PER_LINK_PER_HOUR = 3
PER_CONTACT_PER_HOUR = 5


@dataclass(frozen=True)
class Renewal:
    sent: bool
    destination: str = ""  # masked, e.g. •••-•••-1234
    refusal: str | Promise = ""  # shown to the contact, translated when rendered


def masked_destination(link: SecureLink, channel: str | None = None) -> str:
    channel = channel or link.channel
    address = address_for(link.contact, channel)
    return mask_email(address) if channel == Channel.EMAIL else mask_phone(address)


@dataclass(frozen=True)
class OtherChannel:
    channel: str
    destination: str  # masked


def other_channel(link: SecureLink) -> OtherChannel | None:
    """R12: email for a link that went by text or call, text for one that went by
    email — offered only to a contact with both a phone and an email on file who
    can be reached there."""
    contact = link.contact
    if not (contact.phone and contact.email):
        return None
    channel = Channel.SMS if link.channel == Channel.EMAIL else Channel.EMAIL
    if why_unreachable(contact, channel):
        return None
    return OtherChannel(channel, masked_destination(link, channel))


def request_new_link(
    link: SecureLink, *, by_other_channel: bool = False, now: datetime | None = None
) -> Renewal:
    """A new link on the link's own channel, or (by_other_channel) on the other one."""
    now = now or timezone.now()
    channel = link.channel
    if by_other_channel:
        other = other_channel(link)
        if other is None:
            return Renewal(
                False,
                refusal=_(
                    "We can't send a new link to the details on file. Please contact us directly."
                ),
            )
        channel = other.channel
    state = link_state(link, now)
    if state not in (LinkState.EXPIRED, LinkState.LOCKED):
        return Renewal(False, refusal=_("This link still works."))
    contact = link.contact
    with transaction.atomic():
        # Serialize requests for one contact so the limits hold under concurrency.
        type(contact).objects.select_for_update(no_key=True).filter(pk=contact.pk).first()
        if SecureLink.objects.filter(pk=link.pk, revoked_at__isnull=False).exists():
            # Staff revoked it while this request waited for the lock (messaging/revocation.py).
            return Renewal(
                False,
                refusal=_(
                    "We can't send a new link to the details on file. Please contact us directly."
                ),
            )
        since = now - timedelta(hours=1)
        # One budget for both channels: the other channel is no way around the limits.
        recent = Event.objects.filter(
            contact=contact,
            kind__in=(EventKind.NEW_LINK_REQUESTED, EventKind.NEW_LINK_OTHER_CHANNEL),
            created_at__gte=since,
        )
        if (
            recent.filter(link=link).count() >= PER_LINK_PER_HOUR
            or recent.count() >= PER_CONTACT_PER_HOUR
        ):
            return Renewal(
                False,
                refusal=_(
                    "Too many new links were asked for in the last hour. Please try again later."
                ),
            )
        unreachable = why_unreachable(contact, channel)
        if unreachable:
            return Renewal(
                False,
                refusal=_(
                    "We can't send a new link to the details on file. Please contact us directly."
                ),
            )
        settings = SecureMessagingSettings.objects.for_org(contact.organization)
        new_link, raw = create_link(
            contact=contact,
            message=link.message,
            channel=channel,
            lifetime=settings.lifetime,
            pin_digest=link.pin_hmac,
            pin_source=link.pin_source,
            now=now,
        )
        link.replaced_by = new_link
        link.save(update_fields=["replaced_by"])
        if channel == link.channel:
            record(
                contact.organization,
                EventKind.NEW_LINK_REQUESTED,
                contact=contact,
                message=link.message,
                link=link,
                actor_label="contact",
                previous=state.value,
            )
        else:
            record(
                contact.organization,
                EventKind.NEW_LINK_OTHER_CHANNEL,
                contact=contact,
                message=link.message,
                link=link,
                actor_label="contact",
                channel=channel,
                previous_channel=link.channel,
                previous=state.value,
            )
        notify_link(
            link=new_link,
            raw_token=raw,
            sender=OrganizationSender(contact.organization),
            settings=settings,
            message=link.message,
            idempotency_key=f"renewal:{new_link.id}",
            actor_label="contact",
        )
    return Renewal(True, destination=masked_destination(link, channel))
