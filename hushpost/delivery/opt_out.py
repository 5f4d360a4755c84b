"""Opting a contact out of email or text messages (and back in to texts): one place each.

Email: an unsubscribe, a hard bounce or a spam complaint. Texts: a STOP
reply, or the carrier refusing a text because the contact opted out there
(Twilio's 21610, from a send, a status callback or reconciliation); START
opts back in. A conditional UPDATE makes each idempotent under repeats and
races: only the call that flips the flag records its event, so a mail
client's one-click POST followed by the contact's own click logs it once.
"""

from __future__ import annotations

from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.contacts.models import Contact
from hushpost.delivery.models import Channel


def opt_out_of_email(
    contact: Contact, *, reason: str, delivery=None, actor_label: str = "contact", **detail
) -> bool:
    """True when this call opted the contact out (False: already out)."""
    return _flip(
        contact,
        "email_opt_out",
        True,
        EventKind.EMAIL_OPTED_OUT,
        delivery=delivery,
        actor_label=actor_label,
        reason=reason,
        **detail,
    )


def opt_out_of_sms(
    contact: Contact, *, reason: str, delivery=None, actor_label: str = "contact", **detail
) -> bool:
    """True when this call opted the contact out of texts (False: already out)."""
    return _flip(
        contact,
        "sms_opt_out",
        True,
        EventKind.SMS_OPTED_OUT,
        delivery=delivery,
        actor_label=actor_label,
        channel=Channel.SMS,
        reason=reason,
        **detail,
    )


def opt_in_to_sms(contact: Contact, *, reason: str, actor_label: str = "contact", **detail) -> bool:
    """True when this call opted the contact back in to texts (False: already in)."""
    return _flip(
        contact,
        "sms_opt_out",
        False,
        EventKind.SMS_OPTED_IN,
        actor_label=actor_label,
        channel=Channel.SMS,
        reason=reason,
        **detail,
    )


def _flip(
    contact: Contact, flag: str, value: bool, kind: EventKind, *, delivery=None, **detail
) -> bool:
    changed = Contact.objects.filter(pk=contact.pk, **{flag: not value}).update(**{flag: value})
    if not changed:
        return False
    setattr(contact, flag, value)
    record(
        contact.organization,
        kind,
        contact=contact,
        delivery=delivery,
        message=getattr(delivery, "message", None),
        **detail,
    )
    return True
