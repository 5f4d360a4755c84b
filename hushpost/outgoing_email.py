"""What every email we send shares: the sender, its Message-ID, and headers kept as written.

The sender is HUSHPOST_FROM_EMAIL, written as businesses write their name —
"Praxis Dr. Müller <praxis@example.de>", "O'Brien & Co. <…>", any script,
quoted or not. RFC 5322 wants a name with a period or an apostrophe-comma
mix quoted, and Django's SMTP backend refuses an unquoted one ("period in
'phrase'"), which used to fail every email. So `parse_sender` reads the
setting leniently (the address is what the last <…> holds, the name is
everything before it) and checks the address strictly; `Sender.header`
writes it back the way every mail library reads it. Settings call
`parse_sender` at start-up, so a malformed address stops the process with
one line instead of failing each email later.

`OutgoingEmail` is the one email class: the channel's notifications and the
staff emails (password reset, invitation, reply notice) all use it, so all
carry our sender and a Message-ID on the sending domain, never the host
name of whichever machine sent them.

Beside the apps (like private_page.py): settings, `accounts`, `messaging`,
`delivery`, `web` and `webhooks` all need it, and it imports none of them.
"""

from __future__ import annotations

import email.policy
import re
from dataclasses import dataclass
from email.headerregistry import Address
from email.utils import make_msgid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.utils.encoding import punycode

EXAMPLE = "Riverside Clinic <notify@riverside.example>"
# "Name <address>": the address is inside the last pair of angle brackets.
_NAME_AND_ADDRESS = re.compile(r"(?P<name>.*?)\s*<(?P<address>[^<>]*)>\s*", re.DOTALL)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# RFC 5322's hard limit for a header line, its name included.
_MAX_LINE = 998
# Headers a mail client reads as they are written: RFC 2369 wants `<https://…>`
# there, and Python's email package folds a long URL into RFC 2047 encoded
# words (`=?utf-8?q?=3Chttps…?=`), which Gmail and Yahoo can't use.
VERBATIM_HEADERS = ("List-Unsubscribe", "List-Unsubscribe-Post")


class SenderInvalid(ValueError):
    """The sender address can't be used; the message says what is wrong and how to write it."""


@dataclass(frozen=True)
class Sender:
    name: str
    address: str

    @property
    def header(self) -> str:
        """`"Praxis Dr. Müller" <praxis@example.de>`: quoted where RFC 5322 needs it."""
        if not self.name:
            return self.address
        return str(Address(display_name=self.name, addr_spec=self.address))

    @property
    def domain(self) -> str:
        """The address's domain, in ASCII (IDNA), as a Message-ID must be."""
        return punycode(self.address.rpartition("@")[2]).lower()


def _unquoted(name: str) -> str:
    if len(name) >= 2 and name[0] == name[-1] == '"':
        return re.sub(r"\\(.)", r"\1", name[1:-1]).strip()
    return name


def parse_sender(value: str) -> Sender:
    """The sender that `value` names, or SenderInvalid saying what is wrong.

    Accepts `address`, `Name <address>` and `"Name" <address>`; the name may
    hold anything but a line break.
    """
    value = (value or "").strip()
    if not value:
        raise SenderInvalid(f"no sender address is set; write it as {EXAMPLE}.")
    if _CONTROL.search(value):
        raise SenderInvalid(
            "the sender holds a line break or another control character; "
            f"write it on one line, as {EXAMPLE}."
        )
    match = _NAME_AND_ADDRESS.fullmatch(value)
    if match:
        name, address = _unquoted(match["name"].strip()), match["address"].strip()
    elif "<" in value or ">" in value:
        raise SenderInvalid(
            f"the sender's angle brackets don't enclose an address; write it as {EXAMPLE}."
        )
    else:
        name, address = "", value
    if not address:
        raise SenderInvalid(f"the sender has no address inside <…>; write it as {EXAMPLE}.")
    try:
        validate_email(address)
        Address(addr_spec=address)
    except (ValidationError, ValueError):
        raise SenderInvalid(
            f"{address!r} is not an email address we can send from "
            "(one @, a domain, and a local part in plain ASCII); "
            f"write the sender as {EXAMPLE}."
        ) from None
    return Sender(name=name, address=address)


def sender() -> Sender:
    """Who our emails come from (HUSHPOST_FROM_EMAIL, checked at start-up)."""
    return parse_sender(settings.DEFAULT_FROM_EMAIL)


def message_id(local_part: str = "") -> str:
    """A Message-ID on the sending domain; `local_part` makes it the same on every retry."""
    domain = sender().domain
    if local_part:
        return f"<{local_part}@{domain}>"
    return make_msgid(domain=domain)


class _Verbatim(str):
    """A header value the email package writes exactly as given (see VERBATIM_HEADERS).

    The email policy stores a value that carries a matching `name` as it is
    and asks it to `fold` itself (documented in email.policy.EmailPolicy).
    """

    name: str

    def __new__(cls, name: str, value: str) -> _Verbatim:
        header = super().__new__(cls, value)
        header.name = name
        return header

    def fold(self, *, policy: email.policy.Policy) -> str:
        return f"{self.name}: {self}{policy.linesep}"


def _writable_verbatim(name: str, value: str) -> bool:
    return (
        value.isascii() and not _CONTROL.search(value) and len(name) + 2 + len(value) <= _MAX_LINE
    )


class OutgoingEmail(EmailMultiAlternatives):
    """An email from us: our sender, a Message-ID on its domain, verbatim List-Unsubscribe.

    Arguments are EmailMultiAlternatives's, by keyword; a `Message-ID` in
    `headers` (the channel's, stable per delivery) wins over a fresh one.
    """

    def __init__(self, *, headers: dict[str, str] | None = None, **kwargs):
        if not kwargs.get("from_email"):
            kwargs["from_email"] = sender().header
        given = {name.lower() for name in headers or {}}
        fresh = {} if "message-id" in given else {"Message-ID": message_id()}
        super().__init__(headers={**fresh, **(headers or {})}, **kwargs)

    def message(self, *, policy=email.policy.default):
        msg = super().message(policy=policy)
        for name, value in self.extra_headers.items():
            if name.lower() in {h.lower() for h in VERBATIM_HEADERS} and _writable_verbatim(
                name, str(value)
            ):
                msg.replace_header(name, _Verbatim(name, str(value)))
        return msg
