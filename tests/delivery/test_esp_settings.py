"""HUSHPOST_EMAIL_ESP: an email service wins over SMTP, and a missing variable stops
the start with one line."""

import pytest

from hushpost.delivery.esp_settings import (
    TIMEOUT,
    EspSettingsError,
    esp_configuration,
    webhook_secret,
)
from tests.project.test_production_settings import hushpost, production_env


def env_of(**values):
    return lambda name: values.get(name, "")


def test_postmark_becomes_the_default_mailer_with_its_own_variables():
    mailers, anymail = esp_configuration(
        "postmark", env_of(POSTMARK_SERVER_TOKEN="tok", POSTMARK_API_URL="http://pm/")
    )
    assert mailers == {
        "default": {
            "BACKEND": "anymail.backends.postmark.EmailBackend",
            "OPTIONS": {"server_token": "tok", "api_url": "http://pm/", "timeout": TIMEOUT},
        }
    }
    assert anymail == {}


def test_mailgun_needs_its_webhook_signing_key_as_well():
    with pytest.raises(EspSettingsError, match="needs MAILGUN_WEBHOOK_SIGNING_KEY"):
        esp_configuration("mailgun", env_of(MAILGUN_API_KEY="key"))
    mailers, anymail = esp_configuration(
        "mailgun", env_of(MAILGUN_API_KEY="key", MAILGUN_WEBHOOK_SIGNING_KEY="sig")
    )
    assert mailers["default"]["BACKEND"] == "anymail.backends.mailgun.EmailBackend"
    assert anymail == {"MAILGUN_WEBHOOK_SIGNING_KEY": "sig"}


@pytest.mark.parametrize(
    ("name", "why"), [("amazon_ses", "needs boto3"), ("sendgrid", "SendGrid"), ("smtp2go", "")]
)
def test_a_service_not_offered_is_refused_by_name(name, why):
    with pytest.raises(
        EspSettingsError, match=f"HUSHPOST_EMAIL_ESP='{name}' is not offered.*{why}"
    ):
        esp_configuration(name, env_of())


def test_the_webhook_secret_must_be_user_and_password():
    assert webhook_secret("postmark:s3cret") == "postmark:s3cret"
    with pytest.raises(EspSettingsError, match='must be "user:password"'):
        webhook_secret("s3cret")


def test_production_refuses_to_start_without_the_services_token(tmp_path):
    result = hushpost(
        "manage",
        "check",
        env_overrides=production_env(HUSHPOST_EMAIL_ESP="postmark"),
        tmp_path=tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "hushpost: HUSHPOST_EMAIL_ESP=postmark needs POSTMARK_SERVER_TOKEN: see docs/OPERATIONS.md."
    ]


def test_production_refuses_to_start_without_a_webhook_secret(tmp_path):
    env = production_env(HUSHPOST_EMAIL_ESP="postmark", POSTMARK_SERVER_TOKEN="tok")
    result = hushpost("manage", "check", env_overrides=env, tmp_path=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "hushpost: HUSHPOST_EMAIL_ESP=postmark needs ANYMAIL_WEBHOOK_SECRET (user:password) "
        "for its bounce and complaint webhooks: see docs/OPERATIONS.md."
    ]


def test_production_starts_with_postmark_configured_and_uses_it(tmp_path):
    env = production_env(
        HUSHPOST_EMAIL_ESP="postmark",
        POSTMARK_SERVER_TOKEN="tok",
        ANYMAIL_WEBHOOK_SECRET="postmark:s3cret",
        SMTP_HOST="smtp.example.com",
    )
    result = hushpost(
        "manage",
        "shell",
        "-c",
        "from django.core.mail import mailers; print(type(mailers.default).__module__)",
        env_overrides=env,
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    # The service wins over SMTP.
    assert result.stdout.strip().splitlines()[-1] == "anymail.backends.postmark"
