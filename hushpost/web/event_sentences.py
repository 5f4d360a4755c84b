"""The activity log in sentences people read: "Dana Demo viewed the
conversation with Jane Roe", "Text to •••-•••-1234 delivered".

Staff are named by name, phone numbers and email addresses are masked (the
contact's page has them in full), and the rest of an event's detail —
attempt numbers, provider ids, addresses — is kept for a folded "Details".
The same sentence is the CSV's `description` column.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe

from hushpost.accounts.models import User
from hushpost.activity.models import Event, EventKind
from hushpost.appointments.auto_messages import labels_for_sends
from hushpost.messaging.links import mask_address

CHANNEL_WORDS = {"sms": "Text", "email": "Email", "voice": "Voice call"}
ACTOR_WORDS = {
    "system": "Hushpost",
    "auto message": "Automated",
    "contact": "The contact",
    "twilio": "Twilio",
    "demo set-up": "Demo set-up",
}
DETAIL_LABELS = {
    "ip": "From address",
    "attempt": "Attempt",
    "attempts": "Attempts",
    "provider": "Provider",
    "provider_id": "Provider's id",
    "provider_status": "Provider's status",
    "channel": "Channel",
    "via": "Where",
    "fields": "Fields",
    "code": "Code",
    "reason": "Reason",
    "appointment_id": "Appointment id",
    "import_id": "Import id",
    "contact_id": "Contact id",
}


@dataclass(frozen=True)
class EventLine:
    event: Event
    text: str
    html: SafeString
    details: list[tuple[str, str]] = field(default_factory=list)
    tone: str = ""


@dataclass(frozen=True)
class _Context:
    event: Event
    automated: dict
    # Staff by email: older events and some steps name the actor by email only.
    people: dict = field(default_factory=dict)
    # On a contact's own page the contact goes without saying.
    show_contact: bool = True

    @property
    def detail(self) -> dict:
        return self.event.detail or {}

    @property
    def contact(self) -> str:
        event = self.event
        if event.contact_id and event.contact is not None:
            return event.contact.name
        return "a deleted contact"

    @property
    def actor(self) -> str:
        event = self.event
        if event.actor_id and event.actor is not None:
            return event.actor.display_name
        if event.actor_label == "auto message":
            name = self.automated.get(event.message.send_id) if event.message else None
            return f"Automated · {name}" if name else "Automated"
        if event.actor_label in self.people:
            return self.people[event.actor_label].display_name
        if event.actor_label.startswith("api: "):
            return f"The API key “{event.actor_label.removeprefix('api: ')}”"
        if event.actor_label == "contact":
            return self.contact
        return ACTOR_WORDS.get(event.actor_label, event.actor_label or "Hushpost")

    @property
    def channel(self) -> str:
        channel = self.event.delivery.channel if self.event.delivery else ""
        return CHANNEL_WORDS.get(channel or self.detail.get("channel", ""), "Message")

    @property
    def to(self) -> str:
        """ "•••-•••-0101", with the contact's name in front where the page lists many."""
        delivery = self.event.delivery if self.event.delivery_id else None
        address = mask_address(delivery.channel, delivery.to) if delivery and delivery.to else ""
        # It goes into the sentence's template: braces in it are text.
        address = address.replace("{", "{{").replace("}", "}}")
        if not self.show_contact:
            return address or "the contact"
        return f"{{contact}} at {address}" if address else "{contact}"

    @property
    def reason(self) -> str:
        delivery = self.event.delivery if self.event.delivery_id else None
        return (delivery.reason if delivery and delivery.reason else "") or str(
            self.detail.get("reason", "")
        )


# Each kind: (sentence with {placeholders}, detail keys the sentence already says, tone).
Sentence = tuple[str, tuple[str, ...], str]


def _by(c: _Context) -> str:
    return "" if c.event.actor_label in ("system", "") else f" by {c.actor}"


def _queued(c: _Context) -> str:
    if c.event.actor_label == "auto message":
        return "{actor}: {channel} to {to} queued"
    return "{channel} to {to} queued" + ("{by}" if _by(c) else "")


def _failed(c: _Context) -> str:
    return "{channel} to {to} failed" + (": {reason}" if c.reason else "")


def _sent(c: _Context) -> str:
    # Nobody receives what the development outbox stores: say where it went.
    if c.detail.get("provider") == "outbox":
        return "{channel} to {to} put in the development outbox"
    return "{channel} to {to} sent"


def _held(c: _Context) -> str:
    lead = "{actor}: " if c.event.actor_label == "auto message" else ""
    return lead + "{channel} to {to} held back" + (": {reason}" if c.reason else "")


def _reply(c: _Context) -> str:
    if c.detail.get("outside_secure_page"):
        return "{contact} replied by text, outside the secure page"
    return "{contact} replied on the secure page" + (
        " with an attachment" if c.detail.get("attachment") else ""
    )


def _staff_view(c: _Context) -> str:
    via = c.detail.get("via", "")
    if c.detail.get("attachment"):
        return "{actor} downloaded an attachment from the conversation with {contact}"
    if via == "inbox preview":
        return "{actor} saw the latest message from the conversation with {contact} in the Inbox"
    if via == "send page":
        return "{actor} viewed what was sent to {contact}"
    return "{actor} viewed the conversation with {contact}"


def _user_changed(c: _Context) -> str:
    action = c.detail.get("action", "")
    return {
        "invited": "{actor} invited {user} as {role}",
        "invitation_resent": "{actor} sent {user} a new invitation",
        "role_changed": "{actor} changed the role of {user} from {old_role} to {new_role}",
        "renamed": "{actor} changed the name of {user}",
        "preferences": "{actor} changed their own preferences",
        "deactivated": "{actor} deactivated {user}",
        "reactivated": "{actor} reactivated {user}",
    }.get(action, "{actor} changed the account of {user}")


WEBHOOK_CHANGES = {
    "created": "{actor} added a webhook endpoint",
    "updated": "{actor} changed a webhook endpoint",
    "deleted": "{actor} deleted a webhook endpoint",
    "secret rotated": "{actor} rotated the secret of a webhook endpoint",
}


def _settings(c: _Context) -> str:
    """Settings of several pages share one kind; the detail says which."""
    section = c.detail.get("section")
    if section == "auto messages":
        return "{actor} {change} an auto message"
    if section == "webhooks":
        change = str(c.detail.get("change", ""))
        if change.startswith("turned off"):
            return "A webhook endpoint was {change}"
        return WEBHOOK_CHANGES.get(change, "{actor} changed a webhook endpoint ({change})")
    if section == "calendar feeds":
        return "{actor} {change} the calendar feed {name}"
    if section == "confirmations":
        return "{actor} changed how contacts confirm appointments: {field_names}"
    if c.detail.get("settings") == "organization":
        return "{actor} changed the organization's {field_names}"
    if c.detail.get("setting") == "require_two_factor":
        if c.detail.get("value") is True:
            return "{actor} required two-factor sign-in for everyone"
        return "{actor} stopped requiring two-factor sign-in"
    if c.detail.get("fields"):
        return "{actor} changed the secure messaging settings: {field_names}"
    return "{actor} changed the secure messaging settings"


def _contact_updated(c: _Context) -> str:
    if c.detail.get("fields"):
        return "{actor} changed the {field_names} of {contact}"
    return "{actor} changed {contact}"


def _appointment_updated(c: _Context) -> str:
    if c.detail.get("fields"):
        return "{actor} changed the {field_names} of an appointment of {contact}"
    return "{actor} changed an appointment of {contact}"


# How each answer channel reads after "confirmed".
ANSWERED_VIA = {
    "sms": " by text",
    "link": " with the confirmation link",
    "portal": " on the secure page",
    "voice": " by phone keypress",
}


def _appointment_confirmed(c: _Context) -> str:
    if c.detail.get("confirmed_by") == "contact":
        return "{contact} confirmed an appointment" + ANSWERED_VIA.get(
            str(c.detail.get("channel", "")), ""
        )
    if c.detail.get("confirmed_by") == "calendar":
        return "An appointment of {contact} was confirmed by the calendar"
    return "{actor} confirmed an appointment of {contact}"


PREFETCH_REASONS = {
    "head_request": "a HEAD request",
    "scanner_user_agent": "a known scanner or preview",
    "too_soon_after_sending": "seconds after sending",
    "no_follow_up": "no PIN or button followed",
}


def _prefetched(c: _Context) -> str:
    why = PREFETCH_REASONS.get(str(c.detail.get("reason", "")), "")
    suffix = f" ({why})" if why else ""
    return "A mail scanner or link preview fetched the secure link of {contact}" + suffix


def _other_channel(c: _Context) -> str:
    word = {"sms": "by text", "email": "by email"}.get(str(c.detail.get("channel", "")), "")
    return "{contact} asked for a new link " + (word or "by the other channel")


def field_names(fields: str) -> str:
    """ "phone, custom.portal_pin, sms_opt_out" → "phone, portal pin, sms opt out"."""
    names = [name.strip().removeprefix("custom.").replace("_", " ") for name in fields.split(",")]
    names = [name for name in names if name]
    return " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


SENTENCES: dict[str, Callable[[_Context], str] | str] = {
    EventKind.QUEUED: _queued,
    EventKind.SENT: _sent,
    EventKind.DELIVERED: "{channel} to {to} delivered",
    EventKind.FAILED: _failed,
    EventKind.HELD: _held,
    EventKind.EMAIL_OPENED: "Email to {to} opened",
    EventKind.LINK_CLICKED: "{contact} opened the secure link (a person, not a scanner)",
    EventKind.LINK_PREFETCHED: _prefetched,
    EventKind.PIN_ENTERED: "{contact} entered the right PIN",
    EventKind.PIN_WRONG: "{contact} entered a wrong PIN",
    EventKind.LINK_LOCKED: "The secure link of {contact} locked after too many wrong PINs",
    EventKind.EXPIRED_LINK_VISITED: "{contact} opened a link that had expired",
    EventKind.NEW_LINK_REQUESTED: "{contact} asked for a new link",
    EventKind.NEW_LINK_OTHER_CHANNEL: _other_channel,
    EventKind.MESSAGE_VIEWED: "{contact} read the conversation on the secure page",
    EventKind.REPLY_RECEIVED: _reply,
    EventKind.SMS_OPTED_OUT: "{contact} opted out of texts",
    EventKind.SMS_OPTED_IN: "{contact} opted back in to texts",
    EventKind.EMAIL_BOUNCED: "Email to {to} bounced",
    EventKind.EMAIL_COMPLAINED: "{contact} marked an email as spam",
    EventKind.EMAIL_OPTED_OUT: "{contact} opted out of email",
    EventKind.DELIVERY_RECONCILED: "{channel} to {to} checked with the provider",
    EventKind.STAFF_VIEWED_CONVERSATION: _staff_view,
    EventKind.CONVERSATION_ASSIGNED: (
        "{actor} assigned the conversation with {contact} to {to_name}"
    ),
    EventKind.CONVERSATION_DONE: "{actor} marked the conversation with {contact} done",
    EventKind.CONVERSATION_REOPENED: "{actor} reopened the conversation with {contact}",
    EventKind.SENSITIVE_VALUE_REVEALED: "{actor} revealed {value} of {contact}",
    EventKind.CONTACT_CREATED: "{actor} added {contact}",
    EventKind.CONTACT_UPDATED: _contact_updated,
    EventKind.CONTACT_DELETED: "{actor} deleted a contact",
    EventKind.CONTACTS_IMPORTED: (
        "{actor} imported contacts from {file_name}: {created} added, {updated} updated, "
        "{rejected} rejected"
    ),
    EventKind.SETTINGS_CHANGED: _settings,
    EventKind.FIELDS_CHANGED: "{actor} {change} the field {key}",
    EventKind.USER_CHANGED: _user_changed,
    EventKind.SIGNED_IN: "{actor} signed in",
    EventKind.SIGNED_OUT: "{actor} signed out",
    EventKind.SIGN_IN_FAILED: "A sign-in as {actor} failed",
    EventKind.SIGN_IN_LOCKED: "Sign-in as {actor} locked after too many failures",
    EventKind.SIGNED_OUT_EVERYWHERE: "{actor} signed out everywhere",
    EventKind.TWO_FACTOR_ENABLED: "{actor} turned on two-factor sign-in",
    EventKind.TWO_FACTOR_DISABLED: "{actor} turned off two-factor sign-in",
    EventKind.ACTIVITY_EXPORTED: "{actor} exported the {export} ({rows} rows)",
    EventKind.DATA_PURGED: "Messages older than {older_than_days} days were deleted",
    EventKind.API_KEY_CREATED: "{actor} created the API key “{name}”",
    EventKind.API_KEY_REVOKED: "{actor} revoked the API key “{name}”",
    EventKind.LINK_REVOKED: "{actor} ended a secure link of {contact}",
    EventKind.LINK_UNLOCKED: "{actor} unlocked a secure link of {contact}: “{reason}”",
    EventKind.APPOINTMENT_CREATED: "{actor} booked an appointment for {contact}",
    EventKind.APPOINTMENT_UPDATED: _appointment_updated,
    EventKind.APPOINTMENT_CANCELLED: "{actor} cancelled an appointment of {contact}",
    EventKind.APPOINTMENT_DELETED: "{actor} deleted an appointment of {contact}",
    EventKind.APPOINTMENT_CONFIRMED: _appointment_confirmed,
    EventKind.APPOINTMENT_CANCEL_REQUESTED: "{contact} said they can't come to an appointment",
    EventKind.APPOINTMENTS_IMPORTED: (
        "{actor} imported appointments from {file}: {created} added, {updated} updated"
    ),
}
TONES: dict[str, str] = {
    EventKind.DELIVERED: "good",
    EventKind.FAILED: "bad",
    EventKind.HELD: "warn",
    EventKind.EMAIL_BOUNCED: "bad",
    EventKind.PIN_WRONG: "warn",
    EventKind.LINK_LOCKED: "bad",
    EventKind.SIGN_IN_FAILED: "warn",
    EventKind.SIGN_IN_LOCKED: "bad",
    EventKind.REPLY_RECEIVED: "new",
    EventKind.APPOINTMENT_CONFIRMED: "good",
    EventKind.APPOINTMENT_CANCEL_REQUESTED: "warn",
    EventKind.SENSITIVE_VALUE_REVEALED: "warn",
}
# What sentences say without a placeholder of the same name (the rest they
# name by placeholder), so Details doesn't repeat it.
SAID = {
    "settings",
    "setting",
    "channel",
    "reason",
    "via",
    "attachment",
    "outside_secure_page",
    "to",
    "to_user",
    "action",
    "section",
    "change",
    "user",
}


def _values(c: _Context) -> dict[str, str]:
    values = {name: str(value) for name, value in c.detail.items()}
    values.setdefault("change", "changed")
    values.update(
        actor=c.actor,
        contact=c.contact,
        channel=c.channel,
        by=_by(c),
        reason=c.reason,
        to_name=str(c.detail.get("to", "")),
        field_names=field_names(str(c.detail.get("fields", ""))),
    )
    return values


def _sentence_template(c: _Context) -> str:
    found = SENTENCES.get(c.event.kind)
    if found is None:
        return "{kind}"
    template = found(c) if callable(found) else found
    # "{to}" names the contact too on pages of many contacts: put that in first.
    return template.replace("{to}", c.to)


# When an event lacks a fact its sentence needs (an old event, one recorded by
# another path), it still reads as a sentence: what happened, who, about whom.
FALLBACK = "{kind} · {actor}"
FALLBACK_WITH_CONTACT = "{kind} · {actor} · {contact}"


def _placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def describe(
    event: Event,
    *,
    automated: dict | None = None,
    people: dict | None = None,
    with_ip: bool = True,
    show_contact: bool = True,
) -> EventLine:
    c = _Context(event, automated or {}, people or {}, show_contact)
    template = _sentence_template(c)
    values = {**_values(c), "kind": event.get_kind_display()}
    if not _placeholders(template) <= values.keys():
        template = FALLBACK_WITH_CONTACT if event.contact_id else FALLBACK
    text = template.format_map(values)
    contact_link = None
    if event.contact_id and event.contact is not None and "{contact}" in template:
        contact_link = format_html(
            '<a href="{}">{}</a>', reverse("web:contact_detail", args=[event.contact_id]), c.contact
        )
    # Every value escaped; the sentence templates are ours and hold only placeholders.
    html_values = {key: conditional_escape(value) for key, value in values.items()}
    if contact_link is not None:
        html_values["contact"] = contact_link
    html = mark_safe(conditional_escape(template).format_map(html_values))
    return EventLine(
        event=event,
        text=text,
        html=html,
        details=_details(event, said=_placeholders(template), with_ip=with_ip),
        tone=TONES.get(event.kind, ""),
    )


def _details(event: Event, *, said: set[str], with_ip: bool) -> list[tuple[str, str]]:
    if "field_names" in said:
        said = said | {"fields"}
    rows = []
    for key, value in sorted((event.detail or {}).items()):
        if key in SAID or key in said or (key == "ip" and not with_ip) or value in (None, ""):
            continue
        rows.append((DETAIL_LABELS.get(key, key.replace("_", " ").capitalize()), str(value)))
    if event.actor_label and event.actor_id is None and event.actor_label not in ACTOR_WORDS:
        rows.append(("Recorded as", event.actor_label))
    return rows


def prepare(events):
    """The related rows the sentences read, fetched with the events."""
    return events.select_related("contact", "actor", "delivery", "message")


def describe_events(
    events: Iterable[Event], *, with_ip: bool = True, show_contact: bool = True
) -> list[EventLine]:
    """Sentences for a page of events; auto messages' and staff names in one query each."""
    events = list(events)
    automated = labels_for_sends(
        {e.message.send_id for e in events if e.message and e.actor_label == "auto message"}
    )
    emails = {e.actor_label for e in events if e.actor_id is None and "@" in e.actor_label}
    org_ids = {e.organization_id for e in events}
    people = {
        user.email: user
        for user in User.objects.filter(email__in=emails, organization_id__in=org_ids)
    }
    return [
        describe(e, automated=automated, people=people, with_ip=with_ip, show_contact=show_contact)
        for e in events
    ]


def csv_descriptions(batch: list[Event]) -> list[str]:
    """The CSV export's `description` column for a batch of events."""
    return [line.text for line in describe_events(batch)]
