"""Email services (ESPs) through django-anymail: what each one needs from the environment.

settings.py calls `esp_configuration()` when HUSHPOST_EMAIL_ESP is set. It
imports nothing from Django's app registry, so settings can use it. Each
service gets anymail's backend as `MAILERS["default"]`, with its own
variables as the mailer's OPTIONS (anymail 15 reads OPTIONS first), plus the
`ANYMAIL` entries its tracking webhook needs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

TIMEOUT = (5.0, 20.0)


class EspSettingsError(Exception):
    """One line that says which variable is wrong or missing."""


@dataclass(frozen=True)
class Esp:
    backend: str
    # anymail OPTIONS name → environment variable
    required: dict[str, str]
    optional: dict[str, str] = field(default_factory=dict)
    # ANYMAIL setting → environment variable, needed by the tracking webhook
    webhook: dict[str, str] = field(default_factory=dict)


ESPS = {
    "postmark": Esp(
        "anymail.backends.postmark.EmailBackend",
        required={"server_token": "POSTMARK_SERVER_TOKEN"},
        optional={"api_url": "POSTMARK_API_URL", "message_stream": "POSTMARK_MESSAGE_STREAM"},
    ),
    "mailgun": Esp(
        "anymail.backends.mailgun.EmailBackend",
        required={"api_key": "MAILGUN_API_KEY"},
        optional={"sender_domain": "MAILGUN_SENDER_DOMAIN", "api_url": "MAILGUN_API_URL"},
        # Mailgun signs its webhooks; anymail refuses to check them without the key.
        webhook={"MAILGUN_WEBHOOK_SIGNING_KEY": "MAILGUN_WEBHOOK_SIGNING_KEY"},
    ),
}
# Services anymail supports that this install can't use, with the reason.
NOT_OFFERED = {
    "amazon_ses": "needs boto3, which Hushpost does not install",
    "sendgrid": "django-anymail no longer supports SendGrid officially",
}


def esp_configuration(name: str, env: Callable[[str], str]) -> tuple[dict, dict]:
    """(MAILERS, ANYMAIL additions) for the named service, or EspSettingsError."""
    esp = ESPS.get(name)
    if esp is None:
        why = f" ({NOT_OFFERED[name]})" if name in NOT_OFFERED else ""
        raise EspSettingsError(
            f"HUSHPOST_EMAIL_ESP={name!r} is not offered{why}: "
            f"use {' or '.join(ESPS)}, or unset it for SMTP."
        )
    missing = [
        variable
        for variable in (*esp.required.values(), *esp.webhook.values())
        if not env(variable)
    ]
    if missing:
        raise EspSettingsError(
            f"HUSHPOST_EMAIL_ESP={name} needs {', '.join(missing)}: see docs/OPERATIONS.md."
        )
    options: dict[str, object] = {
        option: env(variable) for option, variable in esp.required.items()
    }
    options |= {option: env(variable) for option, variable in esp.optional.items() if env(variable)}
    # (connect, read) seconds: a worker must not hang on a slow service, and the
    # delivery's lease (lifecycle.LEASE, 5 minutes) must comfortably outlast one request.
    options["timeout"] = TIMEOUT
    anymail = {setting: env(variable) for setting, variable in esp.webhook.items()}
    return {"default": {"BACKEND": esp.backend, "OPTIONS": options}}, anymail


def webhook_secret(value: str) -> str:
    """ANYMAIL_WEBHOOK_SECRET is the "user:password" the service sends as HTTP basic auth."""
    if value and ":" not in value:
        raise EspSettingsError(
            'ANYMAIL_WEBHOOK_SECRET must be "user:password" (the basic auth in the webhook URL).'
        )
    return value
