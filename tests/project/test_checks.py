"""The system checks (hushpost/checks.py): each id fires on its misconfiguration and
stays quiet on a good one, and a real production process refuses to start on one."""

from __future__ import annotations

import pytest
from django.db import connection

from hushpost import checks
from hushpost.delivery.channels import OUTBOX_MAIL_BACKEND
from tests.project.test_production_settings import hushpost, production_env

SMTP = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": {}}}


def ids(messages) -> list[str]:
    return [message.id for message in messages]


@pytest.fixture
def production(settings):
    """A complete production configuration, in this process."""
    settings.PRODUCTION = True
    settings.HUSHPOST_CHANNELS = ["sms", "email", "voice"]
    settings.TWILIO_ACCOUNT_SID = "AC" + "1" * 32
    settings.TWILIO_AUTH_TOKEN = "token"
    settings.TWILIO_FROM_NUMBER = "+15005550006"
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    settings.SMTP_HOST = "smtp.example.com"
    settings.MAILERS = SMTP
    settings.BASE_URL = "https://hushpost.example.com"
    settings.ALLOWED_HOSTS = ["hushpost.example.com"]
    settings.HUSHPOST_SECURITY_CONTACT = "psirt@clinic.example"
    return settings


def ours(lines: list[str]) -> list[str]:
    # The suite sets DJANGO_ALLOW_ASYNC_UNSAFE for Playwright, which Django's own check names.
    return [line for line in lines if line.startswith("hushpost.")]


def test_a_complete_production_configuration_passes_every_check(production, db):
    assert ours(checks.refusals(deploy=True)) == []


def test_development_needs_none_of_it(settings, db):
    settings.PRODUCTION = False
    settings.BASE_URL = "http://127.0.0.1:8000"
    settings.TWILIO_ACCOUNT_SID = ""
    assert ours(checks.refusals(deploy=True)) == []


@pytest.mark.parametrize(
    "unset, says",
    [
        ("TWILIO_ACCOUNT_SID", "set TWILIO_ACCOUNT_SID,"),
        ("TWILIO_AUTH_TOKEN", "set TWILIO_AUTH_TOKEN,"),
        ("TWILIO_FROM_NUMBER", "set TWILIO_FROM_NUMBER (or TWILIO_MESSAGING_SERVICE_SID),"),
    ],
)
def test_e001_an_enabled_sms_channel_without_twilio(production, unset, says):
    setattr(production, unset, "")
    [message] = checks.providers()
    assert message.id == "hushpost.E001"
    assert message.msg.startswith("HUSHPOST_CHANNELS enables sms and voice")
    assert says in message.msg


def test_e001_is_quiet_when_sms_and_voice_are_left_out(production):
    production.TWILIO_ACCOUNT_SID = ""
    production.HUSHPOST_CHANNELS = ["email"]
    assert checks.providers() == []


def test_e001_takes_a_messaging_service_instead_of_a_number(production):
    production.TWILIO_FROM_NUMBER = ""
    production.TWILIO_MESSAGING_SERVICE_SID = "MG" + "1" * 32
    assert checks.providers() == []


def test_e002_the_development_outbox_in_production(production):
    production.SMTP_HOST = ""
    production.MAILERS = {"default": {"BACKEND": OUTBOX_MAIL_BACKEND}}
    [message] = checks.providers()
    assert message.id == "hushpost.E002"
    assert "set SMTP_HOST (or HUSHPOST_EMAIL_ESP)" in message.msg


def test_e002_is_quiet_outside_production(production):
    production.PRODUCTION = False
    production.MAILERS = {"default": {"BACKEND": OUTBOX_MAIL_BACKEND}}
    production.TWILIO_ACCOUNT_SID = ""
    assert checks.providers() == []


@pytest.mark.parametrize(
    "url, allowed, expected",
    [
        ("", ["hushpost.example.com"], "hushpost.E003"),
        ("http://hushpost.example.com", ["hushpost.example.com"], "hushpost.E004"),
        ("https://", ["hushpost.example.com"], "hushpost.E004"),
        ("https://other.example.com", ["hushpost.example.com"], "hushpost.E005"),
        ("https://hushpost.example.com", ["hushpost.example.com"], None),
        ("https://hushpost.example.com:8443", [".example.com"], None),
    ],
)
def test_e003_to_e005_the_public_address(production, url, allowed, expected):
    production.BASE_URL = url
    production.ALLOWED_HOSTS = allowed
    assert ids(checks.base_url()) == ([expected] if expected else [])


def test_e003_names_the_variable_and_an_example(production):
    production.BASE_URL = ""
    [message] = checks.base_url()
    assert message.msg.startswith("HUSHPOST_BASE_URL is not set: set it to")


def test_e006_a_malformed_sender(settings):
    settings.HUSHPOST_FROM_EMAIL = "Praxis Dr. Müller <praxis@>"
    [message] = checks.sender()
    assert message.id == "hushpost.E006"
    assert message.msg.startswith("HUSHPOST_FROM_EMAIL='Praxis Dr. Müller <praxis@>': 'praxis@'")
    settings.HUSHPOST_FROM_EMAIL = "Praxis Dr. Müller <praxis@mueller-praxis.example>"
    assert checks.sender() == []


def test_e007_a_key_ring_that_cannot_read_the_database(production, secret_message, settings):
    assert checks.key_ring() == []
    settings.HUSHPOST_KEYS = "k9:" + "B" * 43  # another ring: none of its keys wrote the rows
    [message] = checks.key_ring()
    assert message.id == "hushpost.E007"
    assert message.msg.startswith("HUSHPOST_KEYS can't decrypt ")
    assert "is not in HUSHPOST_KEYS" in message.msg


def test_e007_a_key_that_does_not_match_its_id(production, secret_message, settings):
    from hushpost.crypto.keyring import keyring

    current = keyring().current_id
    settings.HUSHPOST_KEYS = f"{current}:" + "C" * 43  # the right id, the wrong key
    [message] = checks.key_ring()
    assert "does not match its key" in message.msg


def test_e007_reads_nothing_in_a_database_not_yet_migrated(production, db, monkeypatch):
    def broken(target):
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")
        return []

    monkeypatch.setattr(checks, "_sample", broken)
    assert checks.key_ring() == []


def test_e008_the_placeholder_security_contact(production):
    production.HUSHPOST_SECURITY_CONTACT = "security@hushpost.invalid"
    [message] = checks.security_contact()
    assert message.id == "hushpost.E008"
    assert "HUSHPOST_SECURITY_CONTACT" in message.msg
    production.HUSHPOST_SECURITY_CONTACT = "psirt@clinic.example"
    assert checks.security_contact() == []


def test_w001_https_redirects_with_no_trusted_proxy(production):
    production.SECURE_SSL_REDIRECT = True
    production.HUSHPOST_TRUSTED_PROXIES = []
    [message] = checks.trusted_proxies()
    assert message.id == "hushpost.W001"
    assert message.msg.startswith("HUSHPOST_TRUSTED_PROXIES is empty")
    production.HUSHPOST_TRUSTED_PROXIES = ["127.0.0.1"]
    assert checks.trusted_proxies() == []


# --- Real processes -------------------------------------------------------------


def test_check_deploy_lists_each_error_on_its_line(tmp_path):
    result = hushpost(
        "manage",
        "check",
        "--deploy",
        env_overrides=production_env(
            TWILIO_ACCOUNT_SID=None, SMTP_HOST=None, HUSHPOST_BASE_URL=None
        ),
        tmp_path=tmp_path,
    )
    assert result.returncode == 1
    for line in (
        "?: (hushpost.E001) HUSHPOST_CHANNELS enables sms and voice but Twilio is not "
        "configured: set TWILIO_ACCOUNT_SID, or leave sms and voice out of HUSHPOST_CHANNELS.",
        "?: (hushpost.E002) HUSHPOST_ENV=production would put every email",
        "?: (hushpost.E003) HUSHPOST_BASE_URL is not set",
    ):
        assert line in result.stderr


@pytest.mark.parametrize("process", ["web", "worker", "webhooks", "scheduler", "run"])
def test_a_production_process_refuses_to_start_on_an_error(process, tmp_path):
    result = hushpost(
        process,
        env_overrides=production_env(HUSHPOST_SECURITY_CONTACT=None),
        tmp_path=tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "hushpost: hushpost.E008: HUSHPOST_SECURITY_CONTACT is the placeholder "
        "security@hushpost.invalid: set it to the address that takes vulnerability reports "
        "for this install."
    ]


def test_a_development_process_refuses_a_malformed_sender(tmp_path):
    result = hushpost(
        "scheduler",
        env_overrides={"HUSHPOST_FROM_EMAIL": "Riverside <a@b.example>, other@b.example"},
        tmp_path=tmp_path,
    )
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("hushpost: hushpost.E006: HUSHPOST_FROM_EMAIL='Riverside")
