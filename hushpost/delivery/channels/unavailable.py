"""What production sends with on a channel that is off or has no provider.

Never the development outbox: a delivery there would look sent while nobody
receives it. Each delivery fails for good with the reason staff can act on.
"""

from __future__ import annotations

from django.conf import settings

from hushpost.delivery.channels.base import Accepted, BaseChannel, DeliveryError, Outgoing


class UnavailableChannel(BaseChannel):
    name = "unavailable"

    def send(self, outgoing: Outgoing) -> Accepted:
        if outgoing.channel not in settings.HUSHPOST_CHANNELS:
            reason = f"{outgoing.channel} is not enabled on this install (HUSHPOST_CHANNELS)"
        else:
            reason = f"no provider is configured for {outgoing.channel} on this install"
        raise DeliveryError(reason, permanent=True, code="no-provider")
