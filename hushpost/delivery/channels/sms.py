"""Text messages through Twilio's Messages API."""

from __future__ import annotations

import requests
from django.conf import settings
from twilio.base.exceptions import TwilioRestException, TwilioServiceException

from hushpost.delivery.channels import twilio_client
from hushpost.delivery.channels.base import Accepted, BaseChannel, DeliveryError, Outgoing
from hushpost.delivery.models import Provider


class TwilioSmsChannel(BaseChannel):
    name = "twilio"
    opt_out_codes = twilio_client.OPTED_OUT
    thread_safe = True

    def warm(self) -> None:
        if self.keep_alive:
            client, _ = twilio_client.kept_alive_client()
            client.api.account.messages  # noqa: B018 - the SDK builds its resources on first use

    def send(self, outgoing: Outgoing) -> Accepted:
        client, http = (
            twilio_client.kept_alive_client() if self.keep_alive else twilio_client.make_client()
        )
        # A Messaging Service picks the sender itself; otherwise our one number.
        sender = (
            {"from_": settings.TWILIO_FROM_NUMBER}
            if settings.TWILIO_FROM_NUMBER
            else {"messaging_service_sid": settings.TWILIO_MESSAGING_SERVICE_SID}
        )
        if not any(sender.values()):
            raise DeliveryError(
                "no sender configured: set TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID",
                permanent=False,
            )
        try:
            message = client.api.account.messages.create(
                to=outgoing.to,
                body=outgoing.body,
                status_callback=outgoing.status_callback_url or None,
                **sender,
            )
        except (TwilioRestException, TwilioServiceException) as error:
            raise twilio_client.api_error(error, http) from error
        except requests.RequestException as error:
            raise twilio_client.transport_error(error) from error
        return Accepted(provider=Provider.TWILIO, provider_id=message.sid or "")
