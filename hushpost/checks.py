"""Django system checks for a misconfigured install, with stable ids.

`hushpost manage check --deploy` runs them all, and every process the CLI
starts (web, worker, webhooks, scheduler, run) runs them first and refuses to
start on an error (hushpost/cli.py), so production fails closed instead of
sending nowhere. Each message is one line naming the variable and the fix;
docs/OPERATIONS.md lists every id.

The checks that only matter in production (providers, the public URL, the key
ring against the database) are deployment checks: development runs with no
configuration at all. The sender address is checked everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks
from django.db import DatabaseError
from django.http.request import validate_host

# How many rows of each encrypted column the key-ring check reads: the oldest
# and the newest, cheap enough for every start-up.
KEY_SAMPLE = 3

TWILIO_CHANNELS = ("sms", "voice")


def _error(number: int, msg: str) -> checks.Error:
    return checks.Error(msg, id=f"hushpost.E{number:03d}")


@checks.register(checks.Tags.security, deploy=True)
def providers(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """E001: an enabled SMS or voice channel without Twilio; E002: the development outbox."""
    if not settings.PRODUCTION:
        return []
    from hushpost.delivery.channels import OUTBOX_MAIL_BACKEND, mail_configured

    found: list[checks.CheckMessage] = []
    enabled = [kind for kind in TWILIO_CHANNELS if kind in settings.HUSHPOST_CHANNELS]
    missing = [
        name for name in ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN") if not getattr(settings, name)
    ]
    if not (settings.TWILIO_FROM_NUMBER or settings.TWILIO_MESSAGING_SERVICE_SID):
        missing.append("TWILIO_FROM_NUMBER (or TWILIO_MESSAGING_SERVICE_SID)")
    if enabled and missing:
        found.append(
            _error(
                1,
                f"HUSHPOST_CHANNELS enables {' and '.join(enabled)} but Twilio is not configured: "
                f"set {', '.join(missing)}, or leave {' and '.join(enabled)} out of "
                "HUSHPOST_CHANNELS.",
            )
        )
    backend = settings.MAILERS.get("default", {}).get("BACKEND", "")
    if backend == OUTBOX_MAIL_BACKEND or not mail_configured():
        found.append(
            _error(
                2,
                "HUSHPOST_ENV=production would put every email (notifications, password "
                "resets, invitations) in the development outbox: set SMTP_HOST (or "
                "HUSHPOST_EMAIL_ESP) to a real mail service.",
            )
        )
    return found


@checks.register(checks.Tags.security, deploy=True)
def base_url(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """E003 missing, E004 not https, E005 its host is not an allowed host."""
    if not settings.PRODUCTION:
        return []
    if not settings.BASE_URL:
        return [
            _error(
                3,
                "HUSHPOST_BASE_URL is not set: set it to this install's public address, "
                "e.g. https://hushpost.example.com (links and Twilio signatures use it).",
            )
        ]
    parts = urlsplit(settings.BASE_URL)
    if parts.scheme != "https" or not parts.hostname:
        return [
            _error(
                4,
                f"HUSHPOST_BASE_URL={settings.BASE_URL!r} is not an https:// address: "
                "links to secure messages must use https, e.g. https://hushpost.example.com.",
            )
        ]
    if not validate_host(parts.hostname, settings.ALLOWED_HOSTS):
        return [
            _error(
                5,
                f"HUSHPOST_BASE_URL's host {parts.hostname!r} is not in HUSHPOST_ALLOWED_HOSTS: "
                "add it there, or every link and webhook to this address is refused.",
            )
        ]
    return []


@checks.register(checks.Tags.security)
def sender(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """E006: a sender address no mail server takes."""
    from hushpost.outgoing_email import SenderInvalid, parse_sender

    try:
        parse_sender(settings.HUSHPOST_FROM_EMAIL)
    except SenderInvalid as error:
        return [_error(6, f"HUSHPOST_FROM_EMAIL={settings.HUSHPOST_FROM_EMAIL!r}: {error}")]
    return []


@checks.register(checks.Tags.security, deploy=True)
def key_ring(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """E007: the key ring can't decrypt what the database holds (a sample of each column)."""
    from hushpost.crypto.keyring import DecryptionError
    from hushpost.crypto.rotation import targets

    try:
        for target in targets():
            for row in _sample(target):
                try:
                    target.attribute.__get__(row)
                except DecryptionError as error:
                    return [
                        _error(
                            7,
                            f"HUSHPOST_KEYS can't decrypt {target.label} (row {row.pk}): "
                            f"{error}; put back the key the data was written with "
                            "(docs/OPERATIONS.md, key rotation).",
                        )
                    ]
    except DatabaseError:
        # Not migrated yet, or unreachable: nothing to read; /readyz reports the database.
        return []
    return []


def _sample(target) -> Iterable:
    stored = target.stored()
    return [*stored.order_by("pk")[:KEY_SAMPLE], *stored.order_by("-pk")[:KEY_SAMPLE]]


@checks.register(checks.Tags.security, deploy=True)
def security_contact(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """E008: /.well-known/security.txt would name the placeholder address."""
    if settings.PRODUCTION and (
        settings.HUSHPOST_SECURITY_CONTACT == settings.SECURITY_CONTACT_PLACEHOLDER
    ):
        return [
            _error(
                8,
                f"HUSHPOST_SECURITY_CONTACT is the placeholder "
                f"{settings.SECURITY_CONTACT_PLACEHOLDER}: set it to the address that takes "
                "vulnerability reports for this install.",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def trusted_proxies(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """W001: https redirects on, but no proxy may say a request came over https."""
    if (
        settings.PRODUCTION
        and getattr(settings, "SECURE_SSL_REDIRECT", False)
        and not settings.HUSHPOST_TRUSTED_PROXIES
    ):
        return [
            checks.Warning(
                "HUSHPOST_TRUSTED_PROXIES is empty, so no request counts as https and every "
                "one is redirected to https: set it to your TLS proxy's address (e.g. "
                "127.0.0.1), or HUSHPOST_SSL_REDIRECT=false if nothing terminates TLS in front.",
                id="hushpost.W001",
            )
        ]
    return []


def refusals(*, deploy: bool) -> list[str]:
    """The error lines that stop a process from starting ("hushpost.E001: …")."""
    found = checks.run_checks(include_deployment_checks=deploy)
    return [
        f"{message.id}: {message.msg}"
        for message in found
        if message.level >= checks.ERROR and not message.is_silenced()
    ]
