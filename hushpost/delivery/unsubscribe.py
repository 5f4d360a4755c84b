"""List-Unsubscribe (RFC 2369) with one-click (RFC 8058) for bulk email.

Each bulk email names `/u/<token>/`, where the token is the contact's id and
a digest of the address it went to, signed with the secret key: nobody can
make one for another contact, and an address that has since changed can't
opt out its successor. It never expires — an old newsletter's link must
still work. A GET only shows a confirmation page (mail scanners fetch
links); a POST, with or without a cookie or CSRF token, does the one
harmless thing the token allows: opt that contact out of email.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core import signing
from django.urls import reverse

from hushpost.contacts.models import Contact
from hushpost.delivery.opt_out import opt_out_of_email

SALT = "hushpost.delivery.unsubscribe"


def _address_digest(address: str) -> str:
    return hashlib.sha256(address.strip().lower().encode()).hexdigest()[:16]


def make_token(contact_id, address: str) -> str:
    return signing.Signer(salt=SALT).sign(f"{contact_id}.{_address_digest(address)}")


def unsubscribe_url(contact_id, address: str) -> str:
    return settings.BASE_URL + reverse("email_unsubscribe", args=[make_token(contact_id, address)])


def contact_for(token: str) -> Contact | None:
    """The contact a genuine token names, while the address it was made for is still theirs."""
    try:
        value = signing.Signer(salt=SALT).unsign(token)
    except signing.BadSignature:
        return None
    contact_id, _, digest = value.rpartition(".")
    contact = Contact.objects.select_related("organization").filter(pk=contact_id).first()
    if contact is None or not contact.email or _address_digest(contact.email) != digest:
        return None
    return contact


def unsubscribe(contact: Contact, *, one_click: bool) -> bool:
    """Opt the contact out of email; True when this call did it."""
    return opt_out_of_email(
        contact, reason="unsubscribed", via="one_click" if one_click else "page"
    )
