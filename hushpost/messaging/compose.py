"""Sending a one-time message (R4) to contacts, securely or not.

One call, one transaction: for each recipient a Message (encrypted), for a
secure send a SecureLink with the PIN in force, and a Delivery — queued, or
held back with the reason. The send task is enqueued on commit by delivery.
`make_batch` makes them, in bulk, for every kind of send: this inline one,
a fan-out's batches (fan_out.py) and due automated messages
(appointments/schedule.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import pgettext

from hushpost.accounts.models import ApiKey, Organization, User
from hushpost.bulk_insert import insert_rows
from hushpost.contacts.models import Contact
from hushpost.delivery.models import Channel, Delivery
from hushpost.delivery.send import insert_new, new_held, new_queued
from hushpost.messaging.links import new_link
from hushpost.messaging.models import (
    Attachment,
    Conversation,
    Message,
    Origin,
    SecureLink,
    SecureMessagingSettings,
    Send,
)
from hushpost.messaging.notify import address_for, notification_for, why_unreachable
from hushpost.messaging.pins import PinDecision, pin_in_force
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
        content = Content(
            body=body,
            subject=subject,
            pin=pin,
            attachments=attachments,
            sender=sender,
            author=author,
            actor_label=actor_label,
            bulk=is_bulk(send, len(recipients)),
            # Only a staff member who sent a secure message can be told it was read.
            notify_when_viewed=notify_when_viewed and secure and author is not None,
        )
        outcomes = make_batch(
            [Job(send, recipient, content) for recipient in recipients],
            settings=settings,
            keys=keys,
        )
    return SendResult(send, outcomes)


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


@dataclass(frozen=True)
class Content:
    """What one send says and who sends it, the same for each of its recipients."""

    body: str
    subject: str
    pin: str
    attachments: list[NewAttachment]
    sender: Any  # a User or an OrganizationSender: what `{{ user.* }}` reads
    author: User | None
    actor_label: str
    bulk: bool = False
    notify_when_viewed: bool = False


@dataclass(frozen=True)
class Job:
    """One recipient of one send: a message, maybe a link, and a delivery to make."""

    send: Send
    recipient: Recipient
    content: Content
    # When it fell due (an automated message): its place in the send queue, so the
    # workers take reminders in the order they fell due. None: now.
    due_at: datetime | None = None

    @property
    def key(self) -> str:
        return _idempotency_key(self.send, self.recipient)


@dataclass
class _Planned:
    job: Job
    hold: str | None = None
    decision: PinDecision | None = None
    text: str = ""
    title: str = ""
    message: Message | None = None
    link: SecureLink | None = None
    raw: str = ""


def make_batch(jobs: list[Job], *, settings, keys) -> list[Outcome]:
    """Every job's message, link and delivery, in bulk: the one pipeline of sends (inline,
    fanned out, or due automated messages), inside the caller's transaction.

    Per job, as decided for one recipient: held back (unreachable, opted out, no PIN
    the template can give, a template that can't be written for them — nothing stored
    in the conversation then), or the message rendered and encrypted, a secure send's
    link with the PIN in force and its notification. Then one INSERT per table (messages,
    files, links, deliveries, events), the conversations moved up in one UPDATE, and the
    send tasks enqueued on commit in the jobs' order. The jobs' keys must be new (the
    caller skips those already made, under its lock); a key twice in `jobs` is made once.
    All jobs are of one organization (`settings`, `keys` are its own).
    """
    now = timezone.now()
    planned: list[_Planned] = []
    first: dict[str, _Planned] = {}
    for job in jobs:
        if job.key not in first:
            first[job.key] = _plan(job, settings=settings, keys=keys)
            planned.append(first[job.key])
    made = [item for item in planned if item.hold is None]
    conversations = _conversations([item.job.recipient.contact for item in made])
    messages: list[tuple[_Planned, Message]] = []
    for item in made:
        job, send = item.job, item.job.send
        contact = job.recipient.contact
        message = Message(
            organization=send.organization,
            conversation=conversations[contact.pk],
            contact=contact,
            send=send,
            direction="outbound",
            origin=send.origin,
            channel=send.channel,
            secure=send.secure,
            author=job.content.author,
            notify_when_viewed=job.content.notify_when_viewed,
            created_at=timezone.now(),
        )
        message.body = item.text
        message.subject = item.title
        item.message = message
        messages.append((item, message))
    insert_rows(Message, [message for _, message in messages])
    files = [
        Attachment.prepare(message, new.file_name, new.content_type, new.data)
        for item, message in messages
        for new in item.job.content.attachments
    ]
    insert_rows(Attachment, files)
    _touch(messages, now)
    for item, message in messages:
        if item.decision is not None:  # a secure send: its link carries the PIN in force
            item.link, item.raw = new_link(
                contact=item.job.recipient.contact,
                message=message,
                channel=item.job.send.channel,
                lifetime=settings.lifetime,
                pin=item.decision.pin,
                pin_source=item.decision.source,
            )
    insert_rows(SecureLink, [item.link for item in made if item.link])
    deliveries = [_delivery(item, settings, keys) for item in planned]
    by_actor: dict[str, list[Delivery]] = {}
    for item, delivery in zip(planned, deliveries, strict=True):
        by_actor.setdefault(item.job.content.actor_label, []).append(delivery)
    for actor_label, group in by_actor.items():
        insert_new(group, actor_label=actor_label)
    outcomes = {
        item.job.key: Outcome(item.job.recipient.contact, delivery, item.message)
        for item, delivery in zip(planned, deliveries, strict=True)
    }
    return [outcomes[job.key] for job in jobs]


def _plan(job: Job, *, settings, keys) -> _Planned:
    send, recipient, content = job.send, job.recipient, job.content
    contact = recipient.contact
    item = _Planned(job, hold=why_unreachable(contact, send.channel))
    if item.hold is None and send.secure:
        item.decision = pin_in_force(contact, settings, content.pin, custom_keys=keys)
        item.hold = item.decision.held_reason
    if item.hold is None:
        try:
            context = {
                **message_context(content.sender, contact, keys, language=recipient.language),
                **recipient.context,
            }
            item.text = render(content.body, context)
            item.title = render(content.subject, context) if content.subject.strip() else ""
        except TemplateInvalid as error:
            item.hold = (
                f"the message cannot be written for this contact: {error.problems[0].message}"
            )
    return item


def _conversations(contacts: list[Contact]) -> dict:
    """Each contact's conversation by contact id, made for those who have none yet."""
    ids = {contact.pk for contact in contacts}
    found = {c.contact_id: c for c in Conversation.objects.filter(contact_id__in=ids)}
    missing = {contact.pk: contact for contact in contacts if contact.pk not in found}
    if missing:
        Conversation.objects.bulk_create(
            [
                Conversation(contact=contact, organization_id=contact.organization_id)
                for contact in missing.values()
            ],
            ignore_conflicts=True,  # one begun meanwhile (a reply) is the one to use
        )
        found.update(
            (c.contact_id, c) for c in Conversation.objects.filter(contact_id__in=list(missing))
        )
    return found


def _touch(made: list[tuple[_Planned, Message]], now) -> None:
    """Something was sent: every conversation written to moves up, and one nobody answers
    yet goes to who wrote. A conversation someone was given in the Inbox stays theirs: a
    colleague covering one message doesn't take it over. An automated message claims
    nothing: replies to it stay with nobody, in the shared queue for whoever is at the desk."""
    if not made:
        return
    Conversation.objects.filter(pk__in={message.conversation_id for _, message in made}).update(
        last_activity_at=now
    )
    by_author: dict[int, set] = {}
    for item, message in made:
        author = item.job.content.author
        if author is not None and item.job.send.origin != Origin.AUTO:
            by_author.setdefault(author.pk, set()).add(message.conversation_id)
    for author_id, conversation_ids in by_author.items():
        Conversation.objects.filter(pk__in=conversation_ids, assigned_to__isnull=True).update(
            assigned_to_id=author_id
        )


def _delivery(item: _Planned, settings, keys) -> Delivery:
    job, send = item.job, item.job.send
    contact = job.recipient.contact
    if item.hold is not None:
        # A held message is not stored in the conversation: it was never meant to
        # be readable without the protection it was held back for.
        return new_held(
            organization=send.organization,
            contact=contact,
            channel=send.channel,
            to=address_for(contact, send.channel),
            reason=item.hold,
            idempotency_key=job.key,
            send=send,
        )
    if item.link is not None:
        subject, body = notification_for(
            item.link, item.raw, sender=job.content.sender, settings=settings, keys=keys
        )
        bulk = False  # a secure notification is never bulk (see is_bulk)
    else:
        subject, body, bulk = item.title, item.text, job.content.bulk
    return new_queued(
        organization=send.organization,
        contact=contact,
        channel=send.channel,
        to=address_for(contact, send.channel),
        subject=subject,
        body=body,
        idempotency_key=job.key,
        message=item.message,
        link=item.link,
        bulk=bulk,
        send=send,
        due_at=job.due_at,
    )
