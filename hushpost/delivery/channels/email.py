"""Email through Django's default mailer: SMTP, or an email service through django-anymail.

MAILERS["default"] is SMTP unless HUSHPOST_EMAIL_ESP names a service. For
SMTP the connection is opened on its own first, so a failure there is known
to have sent nothing (safe to retry); a timeout or a dropped connection while
the server was taking the message after DATA may mean it was accepted. A
service's API errors are read in esp_errors.py, and its message id is kept
as the delivery's provider id, which its tracking webhooks name.
"""

from __future__ import annotations

import contextlib
import smtplib
import traceback
from email.headerregistry import Address

from anymail.exceptions import AnymailError
from django.core.exceptions import ValidationError
from django.core.mail import mailers
from django.core.mail.backends.base import BaseEmailBackend
from django.core.validators import validate_email

from hushpost.delivery.channels.base import Accepted, BaseChannel, DeliveryError, Outgoing
from hushpost.delivery.channels.esp_errors import OPT_OUT_CODES, esp_error
from hushpost.delivery.html_part import html_from_text
from hushpost.delivery.models import Provider
from hushpost.delivery.tracking import pixel_url
from hushpost.outgoing_email import OutgoingEmail, SenderInvalid, sender
from hushpost.outgoing_email import message_id as sending_domain_message_id

INVALID_ADDRESS = "invalid_address"
INVALID_SENDER = "invalid_sender"


def message_id(delivery_id: str) -> str:
    # The same id on every attempt, so a receiving server that got it once
    # can tell a retry is a duplicate; the domain is our sender's.
    return sending_domain_message_id(f"hushpost.{delivery_id}")


def _check_addresses(to: str) -> None:
    """Say whose address is wrong before any mailer is asked: a mailer's ValueError
    doesn't tell the sender from the recipient."""
    try:
        sender()
    except SenderInvalid as error:
        # Not this contact's fault, and healed by fixing the setting: retried.
        raise DeliveryError(
            f"our sender address (HUSHPOST_FROM_EMAIL) is not valid: {error}",
            permanent=False,
            code=INVALID_SENDER,
        ) from None
    try:
        validate_email(to)
        Address(addr_spec=to)
    except (ValidationError, ValueError):
        raise DeliveryError(
            "the contact's email address is not valid", permanent=True, code=INVALID_ADDRESS
        ) from None


def _smtp_text(error: smtplib.SMTPResponseException | tuple) -> tuple[int, str]:
    code, text = (
        (error.smtp_code, error.smtp_error)
        if isinstance(error, smtplib.SMTPResponseException)
        else error
    )
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return int(code), " ".join(str(text).split())


def _by_code(code: int, text: str, what: str) -> DeliveryError:
    # 4xx is "try again later" (greylisting, a full mailbox, a busy server); 5xx is final.
    return DeliveryError(f"{what}: {code} {text}", permanent=code >= 500, code=str(code))


def _in_data(error: BaseException) -> bool:
    """True when the error came up inside SMTP.data(): the message may have been accepted."""
    return any(
        frame.name == "data" and frame.filename.endswith("smtplib.py")
        for frame in traceback.extract_tb(error.__traceback__)
    )


def sending_error(error: Exception) -> DeliveryError:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, text = _smtp_text(next(iter(error.recipients.values())))
        return _by_code(code, text, "the mail server refused the address")
    if isinstance(error, smtplib.SMTPSenderRefused):
        code, text = _smtp_text(error)
        return _by_code(code, text, "the mail server refused our sender address")
    if isinstance(error, smtplib.SMTPResponseException):
        # The server answered, so it knows it did not take the message.
        code, text = _smtp_text(error)
        return _by_code(code, text, "the mail server refused the message")
    if isinstance(error, ValueError):
        # Both addresses were checked before sending (_check_addresses): what is
        # left is the message itself, and sending it again won't change it.
        return DeliveryError(
            f"the email could not be written ({' '.join(str(error).split())[:200]})",
            permanent=True,
            code="invalid_message",
        )
    if isinstance(error, (OSError, smtplib.SMTPException)) and _in_data(error):
        return DeliveryError(
            f"the mail server stopped answering after taking the message ({type(error).__name__})",
            permanent=False,
            maybe_sent=True,
        )
    return DeliveryError(
        f"the mail server connection failed ({type(error).__name__})", permanent=False
    )


def headers_for(outgoing: Outgoing, mid: str) -> dict[str, str]:
    headers = {"Message-ID": mid, "Auto-Submitted": "auto-generated"}
    if outgoing.unsubscribe_url:
        # RFC 2369 names the address; RFC 8058 lets the mail client POST to it
        # in one click, without a page (so the address alone must be enough).
        headers["List-Unsubscribe"] = f"<{outgoing.unsubscribe_url}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers


# The connection was gone when a message was offered on it (before DATA): nothing sent.
DROPPED = (smtplib.SMTPServerDisconnected, ConnectionError)


class _Dropped(DeliveryError):
    """A connection found closed before the message was offered: safe to send again."""


class EmailChannel(BaseChannel):
    name = "email"
    # An email service that refuses the address after an earlier hard bounce or complaint.
    opt_out_codes = OPT_OUT_CODES

    def __init__(self) -> None:
        # The worker's batches keep one mailer (one SMTP connection) open across
        # messages; the channel runs on the worker's own thread, never two at once.
        self._open_mailer: BaseEmailBackend | None = None

    def send(self, outgoing: Outgoing) -> Accepted:
        _check_addresses(outgoing.to)
        mid = message_id(outgoing.delivery_id)
        email = OutgoingEmail(
            subject=outgoing.subject,
            body=outgoing.body,
            to=[outgoing.to],
            headers=headers_for(outgoing, mid),
        )
        html = html_from_text(
            outgoing.body, title=outgoing.subject, pixel_url=pixel_url(outgoing.delivery_id)
        )
        email.attach_alternative(html, "text/html")
        for file_name, content_type, data in outgoing.attachments:
            email.attach(file_name, data, content_type)
        reused = self.keep_alive and self._open_mailer is not None
        mailer = self._mailer()
        try:
            sent = self._send_on(mailer, email)
        except _Dropped:
            if not reused:
                raise
            # A kept connection the server closed while it was idle (its idle or
            # per-connection limit): it failed before any message was offered, so
            # the same message goes once more on a new connection.
            mailer = self._mailer()
            sent = self._send_on(mailer, email)
        if not sent:
            raise DeliveryError("the mailer did not send the message", permanent=False)
        return Accepted(
            provider=_provider(mailer), provider_id=_esp_message_id(email) or mid.strip("<>")
        )

    def _mailer(self):
        """The mailer to send on: the kept one (connected) when keeping connections."""
        if self._open_mailer is not None:
            return self._open_mailer
        mailer = mailers.default
        try:
            mailer.open()
        except smtplib.SMTPResponseException as error:
            code, text = _smtp_text(error)
            # Refused before any message was offered (busy, auth): nothing sent.
            raise DeliveryError(
                f"the mail server refused the connection: {code} {text}",
                permanent=False,
                code=str(code),
            ) from error
        except OSError as error:
            raise DeliveryError(
                f"could not connect to the mail server ({type(error).__name__})", permanent=False
            ) from error
        if self.keep_alive:
            self._open_mailer = mailer
        return mailer

    def _send_on(self, mailer, email) -> int:
        try:
            sent = mailer.send_messages([email])
        except AnymailError as error:
            self.close(mailer)
            # Before OSError: anymail's transport errors are also requests' (OSError) ones.
            raise esp_error(error, getattr(mailer, "esp_name", "")) from error
        except (OSError, ValueError, smtplib.SMTPException) as error:
            self.close(mailer)
            if isinstance(error, DROPPED) and not _in_data(error):
                raise _Dropped(sending_error(error).reason, permanent=False) from error
            raise sending_error(error) from error
        if not self.keep_alive:
            # After sendmail returned, a failing QUIT changes nothing.
            with contextlib.suppress(Exception):
                mailer.close()
        return sent

    def close(self, mailer=None) -> None:
        """Drop the connection (after an error its state is unknown; at the worker's end)."""
        mailer = mailer or self._open_mailer
        self._open_mailer = None
        if mailer is not None:
            with contextlib.suppress(Exception):
                mailer.close()


def _provider(mailer) -> Provider:
    # anymail's backends live in anymail.backends.<service>, named as HUSHPOST_EMAIL_ESP names it.
    module = type(mailer).__module__
    if module.startswith("anymail.backends."):
        return Provider(module.rsplit(".", 1)[-1])
    return Provider.SMTP


def _esp_message_id(email) -> str:
    """The service's own id for the message (one recipient, so one id); its webhooks name it."""
    status = getattr(email, "anymail_status", None)
    message_id = getattr(status, "message_id", None)
    return message_id if isinstance(message_id, str) else ""
