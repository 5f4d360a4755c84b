"""The development outbox: where messages go when no provider is configured."""

from __future__ import annotations

import logging

from django.core.mail.backends.base import BaseEmailBackend

from hushpost.delivery.models import OutboxChannel, OutboxEntry

logger = logging.getLogger(__name__)


class OutboxEmailBackend(BaseEmailBackend):
    """A Django mail backend that stores each email in the outbox instead of sending it.

    Staff-facing emails (password resets, invitations) go here in development,
    so the one-command demo works with no mail server.
    """

    def send_messages(self, email_messages):
        count = 0
        for message in email_messages:
            html = ""
            for alternative in getattr(message, "alternatives", []):
                content, mimetype = alternative
                if mimetype == "text/html":
                    html = content
            for recipient in message.recipients():
                entry = OutboxEntry.objects.create(
                    channel=OutboxChannel.EMAIL,
                    to=recipient,
                    subject=str(message.subject),
                    body=str(message.body),
                    html_body=html,
                )
                # No address: log lines never carry a person's contact details.
                logger.info("development outbox: email #%s stored (no SMTP_HOST set)", entry.pk)
            count += 1
        return count
