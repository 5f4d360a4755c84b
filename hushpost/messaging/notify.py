"""Turning a new secure link into a notification on its way to the contact.

The notification is rendered here, where the raw token is known, and handed
to delivery encrypted: delivery never needs to know about links or messages.
"""

from __future__ import annotations

from hushpost.contacts.models import Contact
from hushpost.contacts.phones import LANDLINE_REASON
from hushpost.delivery.models import Channel, Delivery
from hushpost.delivery.send import queue_delivery
from hushpost.messaging.links import link_url
from hushpost.messaging.models import Message, SecureLink, SecureMessagingSettings
from hushpost.messaging.notification_texts import text_for
from hushpost.messaging.rendering import render
from hushpost.messaging.template_fields import notification_context


def address_for(contact: Contact, channel: str) -> str:
    return contact.email if channel == Channel.EMAIL else contact.phone


def why_unreachable(contact: Contact, channel: str) -> str | None:
    """Why this contact can't get anything on this channel, known before sending."""
    if channel == Channel.SMS:
        if not contact.phone:
            return "no mobile phone on file"
        if contact.sms_opt_out:
            return "opted out of text messages"
        if contact.phone_is_landline:
            return LANDLINE_REASON
    elif channel == Channel.EMAIL:
        if not contact.email:
            return "no email address on file"
        if contact.email_opt_out:
            return "opted out of email"
    elif channel == Channel.VOICE and not contact.phone:
        return "no phone number on file"
    return None


def notify_link(
    *,
    link: SecureLink,
    raw_token: str,
    sender,
    settings: SecureMessagingSettings,
    message: Message | None,
    idempotency_key: str,
    actor_label: str,
    send=None,
) -> Delivery:
    """Render the organization's notification with this link and queue it on the link's channel."""
    contact = link.contact
    subject, body = notification_for(link, raw_token, sender=sender, settings=settings)
    return queue_delivery(
        organization=contact.organization,
        contact=contact,
        channel=link.channel,
        to=address_for(contact, link.channel),
        subject=subject,
        body=body,
        idempotency_key=idempotency_key,
        message=message,
        link=link,
        actor_label=actor_label,
        send=send,
    )


def notification_for(
    link: SecureLink,
    raw_token: str,
    *,
    sender,
    settings: SecureMessagingSettings,
    keys: frozenset[str] | None = None,
) -> tuple[str, str]:
    """The subject (email only) and body of the organization's notification carrying this link,
    in the contact's language; `keys` are the organization's custom field keys, if known."""
    contact = link.contact
    url = link_url(raw_token)

    def rendered(part: str) -> str:
        text = text_for(settings, part, contact.language)
        return render(
            text.source,
            notification_context(sender, contact, url, language=text.language, keys=keys),
        )

    return (rendered("subject") if link.channel == Channel.EMAIL else ""), rendered("body")
