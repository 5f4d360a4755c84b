"""What a one-time message will look like for one recipient before it is sent (R4.4).

Only rendering: the same templates, fields and rules send_message uses
(message_context, the notification of R1.2/R1.3, pin_in_force,
why_unreachable), so the preview says "held back" exactly when sending would.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings as django_settings

from hushpost.accounts.models import Organization
from hushpost.contacts.models import Contact
from hushpost.delivery.models import Channel
from hushpost.messaging.models import SecureMessagingSettings
from hushpost.messaging.notify import why_unreachable
from hushpost.messaging.pins import PinDecision, pin_in_force
from hushpost.messaging.rendering import FieldSpec, TemplateInvalid, problems_in, render
from hushpost.messaging.secure_settings import PREVIEW_LINK_PATH, Rendered, sample_contact
from hushpost.messaging.template_fields import (
    custom_keys,
    message_context,
    message_spec,
    notification_context,
    notification_spec,
)


@dataclass(frozen=True)
class ComposePreview:
    contact: Contact
    sample_contact: bool
    channel: str
    secure: bool
    secure_enabled: bool
    subject: Rendered | None
    body: Rendered | None
    notification_subject: Rendered | None
    notification: Rendered | None
    pin: PinDecision | None
    held_reason: str | None

    @property
    def is_email(self) -> bool:
        return self.channel == Channel.EMAIL


def pick(
    organization: Organization, chosen: list[Contact], contact_id: str | None
) -> Contact | None:
    """The chosen recipient asked for; the first chosen; until some are
    chosen, the first contact."""
    for contact in chosen:
        if str(contact.pk) == (contact_id or ""):
            return contact
    if chosen:
        return chosen[0]
    return Contact.objects.for_org(organization).order_by("name", "id").first()


def _render(source: str, spec, context) -> Rendered | None:
    if not source.strip():
        return None
    problems = [str(p) for p in problems_in(source, spec)]
    if problems:
        return Rendered(problems=problems)
    try:
        return Rendered(text=render(source, context))
    except TemplateInvalid as error:  # this contact's own values trip it
        return Rendered(problems=[str(p) for p in error.problems])


def compose_preview(
    organization: Organization,
    user,
    contact: Contact | None,
    *,
    channel: str,
    secure: bool,
    pin: str,
    subject: str,
    body: str,
    extra_context: dict | None = None,
    extra_fields: dict[str, frozenset[str]] | None = None,
) -> ComposePreview:
    """`extra_context`/`extra_fields`: what the recipient adds (an appointment's fields), as
    send_message takes them."""
    is_sample = contact is None
    contact = sample_contact(organization) if contact is None else contact
    keys = custom_keys(organization)
    spec = message_spec(organization)
    if extra_fields:
        spec = FieldSpec(objects={**spec.objects, **extra_fields}, scalars=spec.scalars)
    context = {**message_context(user, contact, keys), **(extra_context or {})}
    settings = SecureMessagingSettings.objects.for_org(organization)
    reachable = channel in (Channel.SMS, Channel.EMAIL)
    held = why_unreachable(contact, channel) if reachable and not is_sample else None
    decision = notification = notification_subject = None
    if secure and reachable:
        decision = pin_in_force(contact, settings, pin, custom_keys=keys)
        held = held or decision.held_reason
        link_context = notification_context(
            user, contact, f"{django_settings.BASE_URL}{PREVIEW_LINK_PATH}"
        )
        link_spec = notification_spec(organization)
        notification = _render(settings.body, link_spec, link_context)
        if channel == Channel.EMAIL:
            notification_subject = _render(settings.subject, link_spec, link_context)
    return ComposePreview(
        contact=contact,
        sample_contact=is_sample,
        channel=channel,
        secure=secure,
        secure_enabled=settings.enabled,
        subject=_render(subject, spec, context) if channel == Channel.EMAIL else None,
        body=_render(body, spec, context),
        notification_subject=notification_subject,
        notification=notification,
        pin=decision,
        held_reason=held,
    )
