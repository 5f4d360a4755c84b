"""Standard Webhooks signatures, with the standardwebhooks package.

A secret is `whsec_` + base64 of 32 random bytes. Each try is signed over
"<webhook-id>.<webhook-timestamp>.<body>" (HMAC-SHA256) and the
`webhook-signature` header lists one `v1,<base64>` per secret in force: after
a rotation the previous secret signs too for 24 hours, as the specification
allows, so a receiver can switch secrets without losing a message.
"""

from __future__ import annotations

import base64
import secrets
from datetime import UTC, datetime, timedelta

from standardwebhooks import Webhook

PREFIX = "whsec_"
SECRET_BYTES = 32
# How long the secret before a rotation keeps signing.
OVERLAP = timedelta(hours=24)


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secrets_in_force(endpoint, now: datetime) -> list[str]:
    """The current secret, and the previous one while its overlap lasts."""
    found = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if expires is not None and expires > now and endpoint.previous_secret:
        found.append(endpoint.previous_secret)
    return found


def signed_headers(
    secrets_: list[str], webhook_id: str, body: str, now: datetime
) -> dict[str, str]:
    """The three Standard Webhooks headers for this body, sent at `now`."""
    # standardwebhooks reads the timestamp as UTC whatever zone it carries.
    moment = now.astimezone(UTC)
    signatures = [Webhook(secret).sign(webhook_id, moment, body) for secret in secrets_]
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": " ".join(signatures),
    }
