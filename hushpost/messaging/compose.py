"""Sending a one-time message (R4) to contacts, securely or not.

One call, one transaction: for each recipient a Message (encrypted), for a
secure send a SecureLink with the PIN in force, and a Delivery — queued, or
held back with the reason. The send task is enqueued on commit by delivery.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import pgettext

from hushpost.accounts.models import ApiKey, Organization
from hushpost.contacts.models import Contact
from hushpost.delivery.models import Channel, Delivery
from hushpost.delivery.send import hold_delivery, queue_delivery
from hushpost.messaging.conversations import conversation_for, touch
from hushpost.messaging.links import create_link
from hushpost.messaging.models import Attachment, Message, Origin, SecureMessagingSettings, Send
from hushpost.messaging.notify import address_for, notify_link, why_unreachable
from hushpost.messaging.pins import pin_in_force
from hushpost.messaging.rendering import FieldSpec, TemplateInvalid, problems_in, render
from hushpost.messaging.template_fields import (
    OrganizationSender,
    custom_keys,
    message_context,
    message_spec,
)

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 5
MAX_BODY_CHARS = 20_000
SECURE_OFF = (
    "Secure messaging is off for your organization. An owner or admin can turn it on in "
    "Messaging settings (Enable secure messaging)."
)


class ComposeError(ValueError):
    """The whole send is refused; `problems` maps a field ("body",
    "channel", …) to what is wrong."""

    def __init__(self, problems: dict[str, list[str]]):
        self.problems = problems
        super().__init__("; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in problems.items()))


@dataclass(frozen=True)
class NewAttachment:
    file_name: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Recipient:
    """A contact, and what else their message may name (an appointment's fields).

    `label` tells recipients apart when one contact appears twice (two of
    their appointments chosen); it becomes part of the delivery's key.
    """

    contact: Contact
    context: Mapping[str, object] = field(default_factory=dict)
    label: str = ""
    # The language the text is written in, when not the contact's: `{{ now }}` follows it.
    language: str | None = None


@dataclass
class Outcome:
    contact: Contact
    delivery: Delivery
    message: Message | None

    @property
    def status(self) -> str:
        return self.delivery.status

    @property
    def reason(self) -> str:
        return self.delivery.reason


@dataclass(frozen=True)
class RequestKey:
    """An API client's Idempotency-Key for the send, with the API key that sent it and a
    digest of the request."""

    key: str
    digest: str
    api_key: ApiKey


class AlreadySent(Exception):
    """The request key was used already (by a concurrent retry): `send` is that send."""

    def __init__(self, send: Send):
        self.send = send
        super().__init__(f"request key already used for send {send.pk}")


def new_send(
    organization: Organization,
    *,
    author,
    actor_label: str,
    origin: str,
    channel: str,
    secure: bool,
    recipients: int,
    request_key: RequestKey | None = None,
    content: dict | None = None,
    **fields,
) -> Send:
    """The Send row, inside the caller's transaction; raises AlreadySent when a
    concurrent request with the same request key won."""
    send = Send(
        organization=organization,
        created_by=author,
        actor_label=actor_label,
        origin=origin,
        channel=channel,
        secure=secure,
        recipients=recipients,
        **fields,
    )
    if request_key is not None:
        send.request_key = request_key.key
        send.request_digest = request_key.digest
        send.api_key = request_key.api_key
    if content:
        send.content = content
    try:
        with transaction.atomic():
            send.save(force_insert=True)
    except IntegrityError:
        if request_key is None:
            raise
        raise AlreadySent(
            Send.objects.get(
                organization=organization, api_key=request_key.api_key, request_key=request_key.key
            )
        ) from None
    return send


@dataclass
class SendResult:
    send: Send
    outcomes: list[Outcome] = field(default_factory=list)


def check_compose(
    organization: Organization,
    *,
    channel: str,
    secure: bool,
    body: str,
    subject: str,
    attachments: list[NewAttachment],
    recipients: int,
    extra_fields: dict[str, frozenset[str]] | None = None,
) -> dict[str, list[str]]:
    """Everything that refuses the whole send, by field."""
    problems: dict[str, list[str]] = {}

    def add(name: str, text: str) -> None:
        problems.setdefault(name, []).append(text)

    if recipients == 0:
        add("recipients", pgettext("staff", "Choose at least one contact."))
    if channel == Channel.VOICE and secure:
        # A call reads the message aloud: there is no link to protect it with.
        add(
            "channel",
            pgettext("staff", "Secure messages can't be sent by voice call; choose text or email."),
        )
    elif channel not in Channel.values:
        add("channel", pgettext("staff", "Choose text, email or voice call."))
    if secure and not SecureMessagingSettings.objects.for_org(organization).enabled:
        add("secure", SECURE_OFF)
    if not body.strip():
        add("body", pgettext("staff", "Write a message."))
    elif len(body) > MAX_BODY_CHARS:
        add("body", f"A message is at most {MAX_BODY_CHARS:,} characters.")
    spec = message_spec(organization)
    if extra_fields:
        spec = FieldSpec(objects={**spec.objects, **extra_fields}, scalars=spec.scalars)
    problems_body = [str(p) for p in problems_in(body, spec)] if body.strip() else []
    for text in problems_body:
        add("body", text)
    if channel == Channel.EMAIL and not secure and not subject.strip():
        add("subject", pgettext("staff", "An email needs a subject."))
    for text in (str(p) for p in problems_in(subject, spec)) if subject.strip() else []:
        add("subject", text)
    if attachments and channel == Channel.SMS and not secure:
        add(
            "attachments",
            pgettext("staff", "A text message can't carry files; send it securely or by email."),
        )
    if attachments and channel == Channel.VOICE:
        add(
            "attachments",
            pgettext(
                "staff", "A voice call can't carry files; send them by email or securely by text."
            ),
        )
    if len(attachments) > MAX_ATTACHMENTS:
        add("attachments", f"At most {MAX_ATTACHMENTS} files.")
    for item in attachments:
        if len(item.data) > MAX_ATTACHMENT_BYTES:
            add(
                "attachments",
                f"{item.file_name} is over {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB.",
            )
    return problems


def send_message(
    organization: Organization,
    *,
    contacts: list[Contact] | None = None,
    recipients: list[Recipient] | None = None,
    extra_fields: dict[str, frozenset[str]] | None = None,
    channel: str,
    secure: bool,
    body: str,
    subject: str = "",
    pin: str = "",
    attachments: list[NewAttachment] | None = None,
    sender=None,
    actor_label: str = "",
    origin: str = Origin.COMPOSE,
    request_key: RequestKey | None = None,
    notify_when_viewed: bool = False,
) -> SendResult:
    """Send to every contact (or recipient); raises ComposeError when the
    send as a whole is refused.

    `recipients` carry extra template fields (`extra_fields` names them for
    validation), as when appointments are the recipients.
    """
    attachments = list(attachments or [])
    recipients = list(recipients or []) + [Recipient(contact) for contact in contacts or []]
    problems = check_compose(
        organization,
        channel=channel,
        secure=secure,
        body=body,
        subject=subject,
        attachments=attachments,
        recipients=len(recipients),
        extra_fields=extra_fields,
    )
    if problems:
        raise ComposeError(problems)
    author = sender if getattr(sender, "pk", None) else None
    sender = sender or OrganizationSender(organization)
    actor_label = actor_label or getattr(sender, "email", "") or "system"
    settings = SecureMessagingSettings.objects.for_org(organization)
    keys = custom_keys(organization)
    with transaction.atomic():
        send = new_send(
            organization,
            author=author,
            actor_label=actor_label,
            origin=origin,
            channel=channel,
            secure=secure,
            recipients=len(recipients),
            fanned_out=len(recipients),
            request_key=request_key,
        )
        result = SendResult(send)
        bulk = is_bulk(send, len(recipients))
        for recipient in recipients:
            result.outcomes.append(
                _send_one(
                    send,
                    recipient,
                    settings=settings,
                    keys=keys,
                    body=body,
                    subject=subject,
                    pin=pin,
                    attachments=attachments,
                    sender=sender,
                    author=author,
                    actor_label=actor_label,
                    bulk=bulk,
                    # Only a staff member who sent a secure message can be told it was read.
                    notify_when_viewed=notify_when_viewed and secure and author is not None,
                )
            )
    return result


def is_bulk(send: Send, recipients: int) -> bool:
    """Bulk email (RFC 2369 List-Unsubscribe): plain, not secure, and
    automated or to more than one contact.

    A secure notification is never bulk: it is the only way to a message meant
    for that contact, so an unsubscribe button must not stand in its way.
    """
    return (
        send.channel == "email"
        and not send.secure
        and (send.origin == Origin.AUTO or recipients > 1)
    )


def _idempotency_key(send: Send, recipient: Recipient) -> str:
    suffix = f":{recipient.label}" if recipient.label else ""
    return f"send:{send.id}:{recipient.contact.id}{suffix}"


def deliveries_of(send: Send) -> QuerySet[Delivery]:
    """Every recipient's delivery of a send (held ones too, which have no message)."""
    return Delivery.objects.filter(organization_id=send.organization_id, send=send)


def _send_one(
    send: Send,
    recipient: Recipient,
    *,
    settings,
    keys,
    body,
    subject,
    pin,
    attachments,
    sender,
    author,
    actor_label,
    bulk=False,
    notify_when_viewed=False,
) -> Outcome:
    contact = recipient.contact
    key = _idempotency_key(send, recipient)
    hold = why_unreachable(contact, send.channel)
    decision = None
    if hold is None and send.secure:
        decision = pin_in_force(contact, settings, pin, custom_keys=keys)
        hold = decision.held_reason
    if hold is None:
        try:
            context = {
                **message_context(sender, contact, keys, language=recipient.language),
                **recipient.context,
            }
            text = render(body, context)
            title = render(subject, context) if subject.strip() else ""
        except TemplateInvalid as error:
            hold = f"the message cannot be written for this contact: {error.problems[0].message}"
    if hold is not None:
        # A held message is not stored in the conversation: it was never meant to
        # be readable without the protection it was held back for.
        delivery = hold_delivery(
            organization=send.organization,
            contact=contact,
            channel=send.channel,
            to=address_for(contact, send.channel),
            reason=hold,
            idempotency_key=key,
            actor_label=actor_label,
            send=send,
        )
        return Outcome(contact, delivery, None)

    conversation = conversation_for(contact)
    message = Message(
        organization=send.organization,
        conversation=conversation,
        contact=contact,
        send=send,
        direction="outbound",
        origin=send.origin,
        channel=send.channel,
        secure=send.secure,
        author=author,
        notify_when_viewed=notify_when_viewed,
        created_at=timezone.now(),
    )
    message.body = text
    message.subject = title
    message.save()
    for item in attachments:
        Attachment.store(message, item.file_name, item.content_type, item.data)
    # An automated message claims nothing: replies to it stay with nobody, in the
    # shared queue for whoever is at the desk.
    touch(conversation, claim_for=None if send.origin == Origin.AUTO else author)
    if decision is not None:  # a secure send: its link carries the PIN in force
        link, raw = create_link(
            contact=contact,
            message=message,
            channel=send.channel,
            lifetime=settings.lifetime,
            pin=decision.pin,
            pin_source=decision.source,
        )
        delivery = notify_link(
            link=link,
            raw_token=raw,
            sender=sender,
            settings=settings,
            message=message,
            idempotency_key=key,
            actor_label=actor_label,
            send=send,
        )
    else:
        delivery = queue_delivery(
            organization=send.organization,
            contact=contact,
            channel=send.channel,
            to=address_for(contact, send.channel),
            subject=title,
            body=text,
            idempotency_key=key,
            message=message,
            actor_label=actor_label,
            bulk=bulk,
            send=send,
        )
    return Outcome(contact, delivery, message)
