"""Texts that contacts send to the organization's Twilio number (R8.1).

Which organization: the one whose own text number (Organization.sms_number) is
the `To`. Failing that, the environment's TWILIO_FROM_NUMBER belongs to the demo
organization and to a single-organization install: when the `To` is that number,
or when only one organization exists, the text goes to the organization with
slug "demo", or else to the only one. Anything else finds no organization and
is dropped (logged without its content).

Which contact: those in that organization whose phone is the `From`. A keyword
of Twilio's default sets (below) opts every one of them out of texts or back
in, or gets the organization's help text back; so does whatever Twilio's
Advanced Opt-Out says it was (`OptOutType`), which covers the keywords an
operator configured there in any language ("ARRET", "BAJA"). Anything else —
text, pictures (text_media.py), or both — is a reply in the conversation of
the contact most recently in touch, flagged as sent outside the secure page.

Before that, apps above messaging may read the text (`register_text_reader`):
appointments takes "C" or "N" as an answer to a reminder. A reader that
returns None leaves the text a reply, as it was.
"""

from __future__ import annotations

import enum
import logging
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from hushpost.accounts.models import Organization
from hushpost.contacts.models import Contact
from hushpost.contacts.phones import InvalidPhone, normalize_phone
from hushpost.delivery.models import Channel
from hushpost.delivery.opt_out import opt_in_to_sms, opt_out_of_sms
from hushpost.messaging.conversations import conversation_for, file_reply
from hushpost.messaging.models import Attachment, Direction, Message, Origin
from hushpost.messaging.text_media import KeptFile, collect_media, media_count

logger = logging.getLogger(__name__)

# Twilio's default keyword sets ("Twilio support for opt-out keywords (SMS STOP
# filtering)"; REVOKE and OPTOUT since May 2025, after the FCC's rule).
OPT_OUT_WORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
)
OPT_IN_WORDS = frozenset({"START", "YES", "UNSTOP"})
HELP_WORDS = frozenset({"HELP", "INFO"})
DEMO_SLUG = "demo"


class Keyword(enum.StrEnum):
    """What a keyword text asks for; the values are Twilio's `OptOutType` values."""

    STOP = "STOP"
    START = "START"
    HELP = "HELP"


_KEYWORDS = {
    **dict.fromkeys(OPT_OUT_WORDS, Keyword.STOP),
    **dict.fromkeys(OPT_IN_WORDS, Keyword.START),
    **dict.fromkeys(HELP_WORDS, Keyword.HELP),
}


class Outcome(enum.StrEnum):
    NO_ORGANIZATION = "no_organization"
    UNKNOWN_SENDER = "unknown_sender"
    OPTED_OUT = "opted_out"
    OPTED_IN = "opted_in"
    HELP = "help"
    STORED = "stored"
    REPEAT = "repeat"
    IGNORED = "ignored"
    # A reader took it (an appointment's confirmation).
    ANSWERED = "answered"


@dataclass(frozen=True)
class InboundResult:
    outcome: Outcome
    # Text to answer the sender with (HELP only).
    answer: str = ""
    message: Message | None = None


@dataclass(frozen=True)
class IncomingText:
    """What a reader is shown: who (every contact with the sender's number, the one
    most recently in touch first), what, and the provider's id."""

    contacts: Sequence[Contact]
    body: str
    sid: str
    now: datetime


@dataclass(frozen=True)
class Reading:
    """A reader's verdict: what to answer, and whether the text is also filed as a reply
    (so a person sees it in the Inbox)."""

    answer: str
    keep_as_reply: bool = False
    repeat: bool = False


TextReader = Callable[[IncomingText], Reading | None]
_readers: list[TextReader] = []


def register_text_reader(reader: TextReader) -> None:
    """Called from an app's ready(): messaging can't import the apps above it."""
    if reader not in _readers:
        _readers.append(reader)


def _read(text: IncomingText) -> Reading | None:
    for reader in _readers:
        reading = reader(text)
        if reading is not None:
            return reading
    return None


def e164(raw: str) -> str:
    """Twilio sends E.164 already; anything else is tidied the same way or left as it came."""
    try:
        return normalize_phone(raw or "", "US")
    except InvalidPhone:
        return (raw or "").strip()


def organization_for_number(to: str) -> Organization | None:
    """The organization a text sent to `to` belongs to (the rule is in the module docstring)."""
    to = e164(to)
    if not to:
        return None
    own = Organization.objects.filter(sms_number=to).first()
    if own is not None:
        return own
    env_number = e164(settings.TWILIO_FROM_NUMBER)
    organizations = Organization.objects.order_by("pk")
    if (env_number and to == env_number) or organizations.count() == 1:
        demo = organizations.filter(slug=DEMO_SLUG).first()
        if demo is not None:
            return demo
        only = list(organizations[:2])
        if len(only) == 1:
            return only[0]
    return None


def keyword(body: str) -> str:
    """The text as a keyword: letters and digits only, upper case ("Stop." and "opt-out"
    become STOP and OPTOUT; full-width letters count as plain ones)."""
    text = unicodedata.normalize("NFKC", body or "")
    return "".join(ch for ch in text if ch.isalnum()).upper()


def keyword_of(params: dict[str, str]) -> Keyword | None:
    """What the text asks for, if it is a keyword.

    Twilio's `OptOutType` comes first: with Advanced Opt-Out, Twilio has
    already acted on the keywords configured there, whatever their language,
    and we must agree with it.
    """
    said = (params.get("OptOutType") or "").strip().upper()
    if said in Keyword.__members__:
        return Keyword[said]
    return _KEYWORDS.get(keyword(params.get("Body", "")))


def receive_text(params: dict[str, str], *, now: datetime | None = None) -> InboundResult:
    """Act on one inbound-text webhook's parameters. Never logs the text itself."""
    now = now or timezone.now()
    sid = params.get("MessageSid") or params.get("SmsSid") or ""
    organization = organization_for_number(params.get("To", ""))
    if organization is None:
        logger.info("inbound text %s to a number no organization uses: ignored", sid)
        return InboundResult(Outcome.NO_ORGANIZATION)
    sender = e164(params.get("From", ""))
    contacts = list(
        Contact.objects.for_org(organization)
        .filter(phone=sender)
        .order_by(F("conversation__last_activity_at").desc(nulls_last=True), "created_at", "id")
        if sender
        else []
    )
    if not contacts:
        logger.info(
            "inbound text %s for organization %s from an unknown number: ignored",
            sid,
            organization.pk,
        )
        return InboundResult(Outcome.UNKNOWN_SENDER)
    word = keyword_of(params)
    body = (params.get("Body") or "").strip()
    incoming = IncomingText(contacts, body, sid, now)
    # YES is Twilio's opt-in word and the likeliest confirmation: from someone
    # who isn't opted out there is nothing to opt in to, so it may be an answer.
    if word == Keyword.START and not any(contact.sms_opt_out for contact in contacts):
        reading = _read(incoming) if body and not media_count(params) else None
        if reading is not None:
            return _answered(reading, contacts[0], body, sid, now)
    if word == Keyword.STOP:
        set_opt_out(contacts, opted_out=True, sid=sid)
        return InboundResult(Outcome.OPTED_OUT)
    if word == Keyword.START:
        set_opt_out(contacts, opted_out=False, sid=sid)
        return InboundResult(Outcome.OPTED_IN)
    if word == Keyword.HELP:
        # With Advanced Opt-Out, Twilio has already sent the help answer configured
        # there; a second one from us would only repeat it.
        answer = "" if params.get("OptOutType") else organization.sms_help_in(contacts[0].language)
        return InboundResult(Outcome.HELP, answer=answer)
    if not body and not media_count(params):
        logger.info("inbound text %s with neither text nor media: ignored", sid)
        return InboundResult(Outcome.IGNORED)
    reading = _read(incoming) if body and not media_count(params) else None
    if reading is not None:
        return _answered(reading, contacts[0], body, sid, now)
    if sid and Message.objects.filter(provider_id=sid).exists():
        # Before any media is fetched again.
        return InboundResult(Outcome.REPEAT)
    media = collect_media(params)
    text = "\n\n".join(part for part in (body, *media.notes) if part)
    return store_reply(contacts[0], body=text, sid=sid, now=now, files=media.files)


def _answered(
    reading: Reading, contact: Contact, body: str, sid: str, now: datetime
) -> InboundResult:
    if reading.repeat:
        return InboundResult(Outcome.REPEAT)
    if reading.keep_as_reply:
        stored = store_reply(contact, body=body, sid=sid, now=now)
        if stored.outcome == Outcome.REPEAT:
            return stored
        return InboundResult(Outcome.ANSWERED, answer=reading.answer, message=stored.message)
    return InboundResult(Outcome.ANSWERED, answer=reading.answer)


def set_opt_out(contacts: list[Contact], *, opted_out: bool, sid: str) -> None:
    """Opt the contacts out of (or back in to) texts; only a real change is logged."""
    flip = opt_out_of_sms if opted_out else opt_in_to_sms
    with transaction.atomic():
        for contact in contacts:
            flip(contact, reason="keyword", provider_id=sid)


def store_reply(
    contact: Contact, *, body: str, sid: str, now: datetime, files: Sequence[KeptFile] = ()
) -> InboundResult:
    """An inbound text (and the pictures kept from it) as a message in the contact's
    conversation, once per MessageSid."""
    if sid and Message.objects.filter(provider_id=sid).exists():
        return InboundResult(Outcome.REPEAT)
    try:
        with transaction.atomic():
            conversation = conversation_for(contact)
            message = Message(
                organization_id=contact.organization_id,
                conversation=conversation,
                contact=contact,
                direction=Direction.INBOUND,
                origin=Origin.SMS_REPLY,
                channel=Channel.SMS,
                secure=False,
                provider_id=sid,
                created_at=now,
            )
            message.body = body
            message.save()
            for item in files:
                Attachment.store(message, item.file_name, item.content_type, item.data)
            counts: dict[str, Any] = {"attachments": len(files)} if files else {}
            file_reply(
                conversation,
                message,
                now=now,
                outside_secure_page=True,
                channel=Channel.SMS,
                **counts,
            )
    except IntegrityError:
        # The same webhook twice at once: the other request stored it.
        if sid and Message.objects.filter(provider_id=sid).exists():
            return InboundResult(Outcome.REPEAT)
        raise
    return InboundResult(Outcome.STORED, message=message)
