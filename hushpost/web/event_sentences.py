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
from typing import Any

from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from hushpost.accounts.models import Role, User
from hushpost.activity.models import Event, EventKind
from hushpost.appointments.auto_messages import labels_for_sends
from hushpost.messaging.links import mask_address

# The sentences are the staff member's language (gettext at request time); the
# tables below are lazy so they follow it too.
CHANNEL_WORDS = {
    "sms": pgettext_lazy("activity", "Text"),
    "email": pgettext_lazy("activity", "Email"),
    "voice": pgettext_lazy("activity", "Voice call"),
}
ACTOR_WORDS = {
    "system": "Hushpost",
    "auto message": pgettext_lazy("sender", "Automated"),
    "contact": gettext_lazy("The contact"),
    "twilio": "Twilio",
    "demo set-up": gettext_lazy("Demo set-up"),
}
DETAIL_LABELS = {
    "ip": gettext_lazy("From address"),
    "attempt": gettext_lazy("Attempt"),
    "attempts": gettext_lazy("Attempts"),
    "provider": gettext_lazy("Provider"),
    "provider_id": gettext_lazy("Provider's id"),
    "provider_status": gettext_lazy("Provider's status"),
    "channel": gettext_lazy("Channel"),
    "via": gettext_lazy("Where"),
    "fields": gettext_lazy("Fields"),
    "code": gettext_lazy("Code"),
    "reason": gettext_lazy("Reason"),
    "appointment_id": gettext_lazy("Appointment id"),
    "import_id": gettext_lazy("Import id"),
    "contact_id": gettext_lazy("Contact id"),
    "added": gettext_lazy("Added"),
    "updated": gettext_lazy("Updated"),
    "unchanged": gettext_lazy("Unchanged"),
    "skipped": gettext_lazy("Skipped"),
    "rejected": gettext_lazy("Rejected"),
    "rows": gettext_lazy("Rows"),
    "encoding": gettext_lazy("Encoding"),
    "file_name": gettext_lazy("File name"),
    "status": gettext_lazy("Status"),
    "prefix": gettext_lazy("Key prefix"),
    "feed": gettext_lazy("Calendar feed"),
    "endpoint": gettext_lazy("Webhook endpoint"),
    "name": gettext_lazy("Name"),
    "url": gettext_lazy("Address"),
    "file": gettext_lazy("File"),
    "kind": gettext_lazy("Kind"),
    "format": gettext_lazy("Format"),
}
# What a change recorded in an event's detail did, as a verb in the past
# ("{actor} {change} an auto message").
CHANGE_WORDS = {
    "created": pgettext_lazy("activity", "created"),
    "updated": pgettext_lazy("activity", "updated"),
    "deleted": pgettext_lazy("activity", "deleted"),
    "changed": pgettext_lazy("activity", "changed"),
    "switched on": pgettext_lazy("activity", "switched on"),
    "switched off": pgettext_lazy("activity", "switched off"),
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
        return _("a deleted contact")

    @property
    def actor(self) -> str:
        event = self.event
        if event.actor_id and event.actor is not None:
            return event.actor.display_name
        if event.actor_label == "auto message":
            name = self.automated.get(event.message.send_id) if event.message else None
            automated = str(ACTOR_WORDS["auto message"])
            return f"{automated} · {name}" if name else automated
        if event.actor_label in self.people:
            return self.people[event.actor_label].display_name
        if event.actor_label.startswith("api: "):
            return _("The API key “%(name)s”") % {"name": event.actor_label.removeprefix("api: ")}
        if event.actor_label == "contact":
            return self.contact
        return str(ACTOR_WORDS.get(event.actor_label, event.actor_label or "Hushpost"))

    @property
    def channel(self) -> str:
        channel = self.event.delivery.channel if self.event.delivery else ""
        return str(CHANNEL_WORDS.get(channel or self.detail.get("channel", ""), _("Message")))

    @property
    def to(self) -> str:
        """ "•••-•••-0101", with the contact's name in front where the page lists many."""
        delivery = self.event.delivery if self.event.delivery_id else None
        address = mask_address(delivery.channel, delivery.to) if delivery and delivery.to else ""
        # It goes into the sentence's template: braces in it are text.
        address = address.replace("{", "{{").replace("}", "}}")
        if not self.show_contact:
            return address or _("the contact")
        return _("{contact} at %(address)s") % {"address": address} if address else "{contact}"

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
        return _("{actor}: {channel} to {to} queued")
    if _by(c):
        return _("{channel} to {to} queued by {actor}")
    return _("{channel} to {to} queued")


def _failed(c: _Context) -> str:
    return _("{channel} to {to} failed: {reason}") if c.reason else _("{channel} to {to} failed")


def _sent(c: _Context) -> str:
    # Nobody receives what the development outbox stores: say where it went.
    if c.detail.get("provider") == "outbox":
        return _("{channel} to {to} put in the development outbox")
    return _("{channel} to {to} sent")


def _held(c: _Context) -> str:
    if c.event.actor_label == "auto message":
        if c.reason:
            return _("{actor}: {channel} to {to} held back: {reason}")
        return _("{actor}: {channel} to {to} held back")
    return (
        _("{channel} to {to} held back: {reason}") if c.reason else _("{channel} to {to} held back")
    )


def _reply(c: _Context) -> str:
    if c.detail.get("outside_secure_page"):
        return _("{contact} replied by text, outside the secure page")
    if c.detail.get("attachment"):
        return _("{contact} replied on the secure page with an attachment")
    return _("{contact} replied on the secure page")


def _staff_view(c: _Context) -> str:
    via = c.detail.get("via", "")
    if c.detail.get("attachment"):
        return _("{actor} downloaded an attachment from the conversation with {contact}")
    if via == "inbox preview":
        return _("{actor} saw the latest message from the conversation with {contact} in the Inbox")
    if via == "send page":
        return _("{actor} viewed what was sent to {contact}")
    return _("{actor} viewed the conversation with {contact}")


def _user_changed(c: _Context) -> str:
    action = c.detail.get("action", "")
    return {
        "invited": _("{actor} invited {user} as {role}"),
        "invitation_resent": _("{actor} sent {user} a new invitation"),
        "role_changed": _("{actor} changed the role of {user} from {old_role} to {new_role}"),
        "renamed": _("{actor} changed the name of {user}"),
        "preferences": _("{actor} changed their own preferences"),
        "deactivated": _("{actor} deactivated {user}"),
        "reactivated": _("{actor} reactivated {user}"),
    }.get(action, _("{actor} changed the account of {user}"))


WEBHOOK_CHANGES = {
    "created": gettext_lazy("{actor} added a webhook endpoint"),
    "updated": gettext_lazy("{actor} changed a webhook endpoint"),
    "deleted": gettext_lazy("{actor} deleted a webhook endpoint"),
    "secret rotated": gettext_lazy("{actor} rotated the secret of a webhook endpoint"),
}


def _settings(c: _Context) -> str:
    """Settings of several pages share one kind; the detail says which."""
    section = c.detail.get("section")
    if section == "auto messages":
        return _("{actor} {change} an auto message")
    if section == "webhooks":
        change = str(c.detail.get("change", ""))
        if change == "turned off after 5 days of failures":
            return _("A webhook endpoint was turned off after 5 days of failures")
        if change.startswith("turned off"):
            return _("A webhook endpoint was turned off ({change})")
        return str(WEBHOOK_CHANGES.get(change, _("{actor} changed a webhook endpoint ({change})")))
    if section == "calendar feeds":
        return _("{actor} {change} the calendar feed {name}")
    if section == "confirmations":
        return _("{actor} changed how contacts confirm appointments: {field_names}")
    if c.detail.get("settings") == "organization":
        return _("{actor} changed the organization's {field_names}")
    if c.detail.get("setting") == "require_two_factor":
        if c.detail.get("value") is True:
            return _("{actor} required two-factor sign-in for everyone")
        return _("{actor} stopped requiring two-factor sign-in")
    if c.detail.get("fields"):
        return _("{actor} changed the secure messaging settings: {field_names}")
    return _("{actor} changed the secure messaging settings")


def _contact_updated(c: _Context) -> str:
    if c.detail.get("fields"):
        return _("{actor} changed the {field_names} of {contact}")
    return _("{actor} changed {contact}")


def _appointment_updated(c: _Context) -> str:
    if c.detail.get("fields"):
        return _("{actor} changed the {field_names} of an appointment of {contact}")
    return _("{actor} changed an appointment of {contact}")


# How the contact confirmed, by answer channel.
CONFIRMED_VIA = {
    "sms": gettext_lazy("{contact} confirmed an appointment by text"),
    "link": gettext_lazy("{contact} confirmed an appointment with the confirmation link"),
    "portal": gettext_lazy("{contact} confirmed an appointment on the secure page"),
    "voice": gettext_lazy("{contact} confirmed an appointment by phone keypress"),
}


def _appointment_confirmed(c: _Context) -> str:
    if c.detail.get("confirmed_by") == "contact":
        return str(
            CONFIRMED_VIA.get(
                str(c.detail.get("channel", "")), _("{contact} confirmed an appointment")
            )
        )
    if c.detail.get("confirmed_by") == "calendar":
        return _("An appointment of {contact} was confirmed by the calendar")
    return _("{actor} confirmed an appointment of {contact}")


PREFETCH_REASONS = {
    "head_request": gettext_lazy("a HEAD request"),
    "scanner_user_agent": gettext_lazy("a known scanner or preview"),
    "too_soon_after_sending": gettext_lazy("seconds after sending"),
    "no_follow_up": gettext_lazy("no PIN or button followed"),
}


def _prefetched(c: _Context) -> str:
    why = PREFETCH_REASONS.get(str(c.detail.get("reason", "")), "")
    # The reason goes into the sentence's template: braces in it are text.
    suffix = f" ({why})".replace("{", "{{").replace("}", "}}") if why else ""
    return _("A mail scanner or link preview fetched the secure link of {contact}") + suffix


def _other_channel(c: _Context) -> str:
    channel = str(c.detail.get("channel", ""))
    if channel == "sms":
        return _("{contact} asked for a new link by text")
    if channel == "email":
        return _("{contact} asked for a new link by email")
    return _("{contact} asked for a new link by the other channel")


def field_names(fields: str) -> str:
    """ "phone, custom.portal_pin, sms_opt_out" → "phone, portal pin, sms opt out"."""
    names = [name.strip().removeprefix("custom.").replace("_", " ") for name in fields.split(",")]
    names = [name for name in names if name]
    if len(names) > 1:
        return _("%(first)s and %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}
    return "".join(names)


SENTENCES: dict[str, Callable[[_Context], str] | Any] = {
    EventKind.QUEUED: _queued,
    EventKind.SENT: _sent,
    EventKind.DELIVERED: gettext_lazy("{channel} to {to} delivered"),
    EventKind.FAILED: _failed,
    EventKind.HELD: _held,
    EventKind.EMAIL_OPENED: gettext_lazy("Email to {to} opened"),
    EventKind.LINK_CLICKED: gettext_lazy(
        "{contact} opened the secure link (a person, not a scanner)"
    ),
    EventKind.LINK_PREFETCHED: _prefetched,
    EventKind.PIN_ENTERED: gettext_lazy("{contact} entered the right PIN"),
    EventKind.PIN_WRONG: gettext_lazy("{contact} entered a wrong PIN"),
    EventKind.LINK_LOCKED: gettext_lazy(
        "The secure link of {contact} locked after too many wrong PINs"
    ),
    EventKind.EXPIRED_LINK_VISITED: gettext_lazy("{contact} opened a link that had expired"),
    EventKind.NEW_LINK_REQUESTED: gettext_lazy("{contact} asked for a new link"),
    EventKind.NEW_LINK_OTHER_CHANNEL: _other_channel,
    EventKind.MESSAGE_VIEWED: gettext_lazy("{contact} read the conversation on the secure page"),
    EventKind.REPLY_RECEIVED: _reply,
    EventKind.SMS_OPTED_OUT: gettext_lazy("{contact} opted out of texts"),
    EventKind.SMS_OPTED_IN: gettext_lazy("{contact} opted back in to texts"),
    EventKind.EMAIL_BOUNCED: gettext_lazy("Email to {to} bounced"),
    EventKind.EMAIL_COMPLAINED: gettext_lazy("{contact} marked an email as spam"),
    EventKind.EMAIL_OPTED_OUT: gettext_lazy("{contact} opted out of email"),
    EventKind.DELIVERY_RECONCILED: gettext_lazy("{channel} to {to} checked with the provider"),
    EventKind.STAFF_VIEWED_CONVERSATION: _staff_view,
    EventKind.CONVERSATION_ASSIGNED: gettext_lazy(
        "{actor} assigned the conversation with {contact} to {to_name}"
    ),
    EventKind.CONVERSATION_DONE: gettext_lazy(
        "{actor} marked the conversation with {contact} done"
    ),
    EventKind.CONVERSATION_REOPENED: gettext_lazy(
        "{actor} reopened the conversation with {contact}"
    ),
    EventKind.SENSITIVE_VALUE_REVEALED: gettext_lazy("{actor} revealed {value} of {contact}"),
    EventKind.CONTACT_CREATED: gettext_lazy("{actor} added {contact}"),
    EventKind.CONTACT_UPDATED: _contact_updated,
    EventKind.CONTACT_DELETED: gettext_lazy("{actor} deleted a contact"),
    EventKind.CONTACTS_IMPORTED: (
        gettext_lazy(
            "{actor} imported contacts from {file_name}: {created} added, {updated} updated, "
            "{rejected} rejected"
        )
    ),
    EventKind.SETTINGS_CHANGED: _settings,
    EventKind.FIELDS_CHANGED: gettext_lazy("{actor} {change} the field {key}"),
    EventKind.USER_CHANGED: _user_changed,
    EventKind.SIGNED_IN: gettext_lazy("{actor} signed in"),
    EventKind.SIGNED_OUT: gettext_lazy("{actor} signed out"),
    EventKind.SIGN_IN_FAILED: gettext_lazy("A sign-in as {actor} failed"),
    EventKind.SIGN_IN_LOCKED: gettext_lazy("Sign-in as {actor} locked after too many failures"),
    EventKind.SIGNED_OUT_EVERYWHERE: gettext_lazy("{actor} signed out everywhere"),
    EventKind.TWO_FACTOR_ENABLED: gettext_lazy("{actor} turned on two-factor sign-in"),
    EventKind.TWO_FACTOR_DISABLED: gettext_lazy("{actor} turned off two-factor sign-in"),
    EventKind.ACTIVITY_EXPORTED: gettext_lazy("{actor} exported the {export} ({rows} rows)"),
    EventKind.DATA_PURGED: gettext_lazy("Messages older than {older_than_days} days were deleted"),
    EventKind.API_KEY_CREATED: gettext_lazy("{actor} created the API key “{name}”"),
    EventKind.API_KEY_REVOKED: gettext_lazy("{actor} revoked the API key “{name}”"),
    EventKind.LINK_REVOKED: gettext_lazy("{actor} ended a secure link of {contact}"),
    EventKind.LINK_UNLOCKED: gettext_lazy(
        "{actor} unlocked a secure link of {contact}: “{reason}”"
    ),
    EventKind.APPOINTMENT_CREATED: gettext_lazy("{actor} booked an appointment for {contact}"),
    EventKind.APPOINTMENT_UPDATED: _appointment_updated,
    EventKind.APPOINTMENT_CANCELLED: gettext_lazy("{actor} cancelled an appointment of {contact}"),
    EventKind.APPOINTMENT_DELETED: gettext_lazy("{actor} deleted an appointment of {contact}"),
    EventKind.APPOINTMENT_CONFIRMED: _appointment_confirmed,
    EventKind.APPOINTMENT_CANCEL_REQUESTED: gettext_lazy(
        "{contact} said they can't come to an appointment"
    ),
    EventKind.APPOINTMENTS_IMPORTED: gettext_lazy(
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
    values["change"] = str(CHANGE_WORDS.get(values["change"], values["change"]))
    for key in ("role", "old_role", "new_role"):
        if values.get(key) in Role.values:
            values[key] = str(Role(values[key]).label)
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
    template = str(found(c) if callable(found) else found)
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
        label = DETAIL_LABELS.get(key, key.replace("_", " ").capitalize())
        rows.append((str(label), str(value)))
    if event.actor_label and event.actor_id is None and event.actor_label not in ACTOR_WORDS:
        rows.append((_("Recorded as"), event.actor_label))
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
