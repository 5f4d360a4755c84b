"""The development outbox channel: stores what would have been sent.

It is the default for every channel without a configured provider outside
production (it can't be chosen there: channels/__init__.py), so the
one-command demo sends for real as far as the rest of the code can tell, and
the staff outbox page shows the notification with its clickable link. Nobody
receives what it stores, so a delivery ends at most as "sent to the outbox",
never "delivered".
"""

from __future__ import annotations

import logging

from hushpost.delivery.channels.base import Accepted, BaseChannel, Outgoing
from hushpost.delivery.html_part import html_from_text
from hushpost.delivery.models import Channel, OutboxEntry, Provider

logger = logging.getLogger(__name__)


class OutboxChannel(BaseChannel):
    name = "outbox"

    def send(self, outgoing: Outgoing) -> Accepted:
        entry = OutboxEntry.objects.create(
            delivery_id=outgoing.delivery_id,
            organization_id=outgoing.organization_id,
            channel=outgoing.channel,
            to=outgoing.to,
            subject=outgoing.subject[:500],
            body=outgoing.body,
            # Only email has an HTML part, as the real email channel would send.
            html_body=html_from_text(outgoing.body, title=outgoing.subject)
            if outgoing.channel == Channel.EMAIL
            else "",
        )
        # No address: log lines never carry a person's contact details.
        logger.info(
            "development outbox: %s #%s stored (no provider configured)",
            outgoing.channel,
            entry.pk,
        )
        return Accepted(provider=Provider.OUTBOX, provider_id=str(entry.pk))
