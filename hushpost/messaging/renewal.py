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
    refusal: str = ""  # shown to the contact, translated when rendered


def masked_destination(link: SecureLink) -> str:
    address = address_for(link.contact, link.channel)
    return mask_phone(address) if link.channel == Channel.SMS else mask_email(address)


def request_new_link(link: SecureLink, *, now: datetime | None = None) -> Renewal:
    now = now or timezone.now()
    state = link_state(link, now)
    if state not in (LinkState.EXPIRED, LinkState.LOCKED):
        return Renewal(False, refusal=_("This link still works."))
    contact = link.contact
    with transaction.atomic():
        # Serialize requests for one contact so the limits hold under concurrency.
        type(contact).objects.select_for_update().filter(pk=contact.pk).first()
        if SecureLink.objects.filter(pk=link.pk, revoked_at__isnull=False).exists():
            # Staff revoked it while this request waited for the lock (messaging/revocation.py).
            return Renewal(
                False,
                refusal=_(
                    "We can't send a new link to the details on file. Please contact us directly."
                ),
            )
        since = now - timedelta(hours=1)
        recent = Event.objects.filter(
            contact=contact, kind=EventKind.NEW_LINK_REQUESTED, created_at__gte=since
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
        unreachable = why_unreachable(contact, link.channel)
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
            channel=link.channel,
            lifetime=settings.lifetime,
            pin_digest=link.pin_hmac,
            pin_source=link.pin_source,
            now=now,
        )
        link.replaced_by = new_link
        link.save(update_fields=["replaced_by"])
        record(
            contact.organization,
            EventKind.NEW_LINK_REQUESTED,
            contact=contact,
            message=link.message,
            link=link,
            actor_label="contact",
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
    return Renewal(True, destination=masked_destination(link))
