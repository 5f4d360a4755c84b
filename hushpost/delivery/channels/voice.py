"""Voice calls through Twilio's Calls API: the message is read aloud (text-to-speech TwiML).

Only non-secure messages travel by voice: a call can't carry a link to open,
and reading the content aloud is the point. The TwiML is built with the SDK's
VoiceResponse, so whatever the message says is escaped as XML text, never
markup. What went wrong maps to `DeliveryError` as for texts (twilio_client).
"""

from __future__ import annotations

import requests
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext
from twilio.base.exceptions import TwilioRestException, TwilioServiceException
from twilio.twiml.voice_response import VoiceResponse

from hushpost.delivery.channels import twilio_client
from hushpost.delivery.channels.base import Accepted, BaseChannel, DeliveryError, Outgoing
from hushpost.delivery.models import Provider

# Twilio refuses TwiML over 4,000 characters.
MAX_TWIML_CHARS = 4_000
# Call progress Twilio reports back; "completed" and the failures are what we act on.
STATUS_EVENTS = ["initiated", "ringing", "answered", "completed"]


# How long Twilio waits for the keypress after the question.
GATHER_SECONDS = 8


def keypress_question(language: str) -> str:
    with translation.override(language or "en"):
        return gettext("Press 1 to confirm, or 2 if you can't come.")


def twiml_for(text: str, *, gather_url: str = "", language: str = "en") -> str:
    """Say the message, pause, and say it once more, so a listener who picked
    up late still hears it. With a gather URL the call then asks for 1 or 2
    (a <Gather> whose answer Twilio posts there); silence just ends the call."""
    response = VoiceResponse()
    response.say(text)
    if len(text) * 2 + 400 < MAX_TWIML_CHARS:
        response.pause(length=1)
        response.say(text)
    if gather_url:
        gather = response.gather(
            num_digits=1, action=gather_url, method="POST", timeout=GATHER_SECONDS
        )
        gather.say(keypress_question(language))
    return response.to_xml(xml_declaration=False)


class TwilioVoiceChannel(BaseChannel):
    name = "twilio"

    def send(self, outgoing: Outgoing) -> Accepted:
        if not settings.TWILIO_FROM_NUMBER:
            # A Messaging Service can't place calls: a voice call needs a number of ours.
            raise DeliveryError(
                "no caller number configured: set TWILIO_FROM_NUMBER", permanent=False
            )
        twiml = twiml_for(
            " ".join(outgoing.body.split()),
            gather_url=outgoing.gather_url,
            language=outgoing.language,
        )
        if len(twiml) > MAX_TWIML_CHARS:
            raise DeliveryError("the message is too long to read aloud in one call", permanent=True)
        client, http = twilio_client.make_client()
        callback = {}
        if outgoing.status_callback_url:
            callback = {
                "status_callback": outgoing.status_callback_url,
                "status_callback_event": STATUS_EVENTS,
                "status_callback_method": "POST",
            }
        try:
            call = client.api.account.calls.create(
                to=outgoing.to,
                from_=settings.TWILIO_FROM_NUMBER,
                twiml=twiml,
                **callback,
            )
        except (TwilioRestException, TwilioServiceException) as error:
            raise twilio_client.api_error(error, http) from error
        except requests.RequestException as error:
            raise twilio_client.transport_error(error) from error
        return Accepted(provider=Provider.TWILIO, provider_id=call.sid or "")
