"""Which class sends on each channel, chosen from the settings at send time.

Like healthchecks' TRANSPORTS: kinds map to dotted paths imported on first
use, so a process without Twilio configured never imports the SDK. Read at
send time (not import time) so tests and a changed configuration take effect
without a restart of anything but the settings.

The development outbox is a fallback only outside production: there a channel
that is off (HUSHPOST_CHANNELS) or has no provider fails its deliveries for
good, saying why, and start-up refuses that configuration anyway
(hushpost.E001/E002 in hushpost/checks.py).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from hushpost.delivery.channels.base import BaseChannel

OUTBOX = "hushpost.delivery.channels.outbox.OutboxChannel"
TWILIO_SMS = "hushpost.delivery.channels.sms.TwilioSmsChannel"
TWILIO_VOICE = "hushpost.delivery.channels.voice.TwilioVoiceChannel"
EMAIL = "hushpost.delivery.channels.email.EmailChannel"
OUTBOX_MAIL_BACKEND = "hushpost.delivery.mail_outbox.OutboxEmailBackend"
UNAVAILABLE = "hushpost.delivery.channels.unavailable.UnavailableChannel"


def twilio_configured() -> bool:
    return bool(settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN)


def mail_configured() -> bool:
    # Tests point MAILERS at a real SMTP server (or Django's locmem) without SMTP_HOST.
    default = settings.MAILERS.get("default", {}).get(
        "BACKEND", "django.core.mail.backends.smtp.EmailBackend"
    )
    return bool(settings.SMTP_HOST) or default != OUTBOX_MAIL_BACKEND


def class_path(kind: str) -> str:
    if kind == "sms":
        real, ready = TWILIO_SMS, twilio_configured()
    elif kind == "email":
        real, ready = EMAIL, mail_configured()
    elif kind == "voice":
        real, ready = TWILIO_VOICE, twilio_configured()
    else:
        raise ValueError(f"no channel called {kind!r}")
    if not settings.PRODUCTION:
        return real if ready else OUTBOX
    return real if ready and kind in settings.HUSHPOST_CHANNELS else UNAVAILABLE


def channel_for(kind: str) -> BaseChannel:
    return import_string(class_path(kind))()
