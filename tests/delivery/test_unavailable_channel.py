"""Production never falls back to the development outbox: a channel that is off or
has no provider fails its deliveries for good, saying why."""

import pytest

from hushpost.delivery.channels import OUTBOX, UNAVAILABLE, class_path
from hushpost.delivery.models import DeliveryStatus, OutboxEntry
from tests.delivery.conftest import attempt

pytestmark = pytest.mark.django_db


@pytest.fixture
def production(settings):
    settings.PRODUCTION = True
    settings.HUSHPOST_CHANNELS = ["sms", "email", "voice"]
    settings.TWILIO_ACCOUNT_SID = settings.TWILIO_AUTH_TOKEN = ""
    settings.SMTP_HOST = ""
    settings.MAILERS = {"default": {"BACKEND": "hushpost.delivery.mail_outbox.OutboxEmailBackend"}}
    return settings


def test_development_still_uses_the_outbox(settings):
    settings.TWILIO_ACCOUNT_SID = ""
    assert class_path("sms") == OUTBOX


@pytest.mark.parametrize("channel", ["sms", "email", "voice"])
def test_a_channel_without_provider_fails_for_good(production, queue, channel):
    delivery = attempt(queue(channel))
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.reason == f"no provider is configured for {channel} on this install"
    assert not OutboxEntry.objects.exists()


def test_a_channel_left_out_of_hushpost_channels_fails_even_with_its_provider(production, queue):
    production.TWILIO_ACCOUNT_SID = "AC" + "1" * 32
    production.TWILIO_AUTH_TOKEN = "token"
    production.HUSHPOST_CHANNELS = ["email"]
    assert class_path("sms") == UNAVAILABLE
    delivery = attempt(queue("sms"))
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.reason == "sms is not enabled on this install (HUSHPOST_CHANNELS)"
