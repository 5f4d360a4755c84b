"""Opting a contact out of email: one unsubscribe, a hard bounce or a spam complaint.

A conditional UPDATE makes it idempotent under repeats and races: only the
call that flips the flag records `email_opted_out`, so a mail client's
one-click POST followed by the contact's own click logs it once.
"""

from __future__ import annotations

from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.contacts.models import Contact


def opt_out_of_email(
    contact: Contact, *, reason: str, delivery=None, actor_label: str = "contact", **detail
) -> bool:
    """True when this call opted the contact out (False: already out)."""
    changed = Contact.objects.filter(pk=contact.pk, email_opt_out=False).update(email_opt_out=True)
    if not changed:
        return False
    contact.email_opt_out = True
    record(
        contact.organization,
        EventKind.EMAIL_OPTED_OUT,
        contact=contact,
        delivery=delivery,
        message=getattr(delivery, "message", None),
        actor_label=actor_label,
        reason=reason,
        **detail,
    )
    return True
