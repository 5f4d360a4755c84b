"""Emails to staff come in each recipient's language (User.language): a reply
notice to a Spanish- and an English-speaking admin is two emails, one in each;
a read receipt follows its author's language."""

from __future__ import annotations

import email
from email.header import decode_header, make_header

import pytest

from hushpost.accounts import staff
from hushpost.accounts.models import Role, User
from hushpost.messaging.conversations import conversation_for, notify_staff_of_reply
from hushpost.messaging.read_receipts import notify_author
from tests.conftest import PASSWORD
from tests.messaging.test_read_receipts import sent

pytestmark = pytest.mark.django_db


def received(smtp_server) -> dict[tuple[str, ...], email.message.Message]:
    return {
        tuple(envelope.rcpt_tos): email.message_from_bytes(envelope.content)
        for envelope in smtp_server.messages
    }


def test_a_reply_notice_reaches_each_admin_in_their_language(org_a, alice, jane, smtp_server):
    alice.language = "es"
    alice.save()
    carol = User.objects.create_user(
        "carol@riverside.example", PASSWORD, organization=org_a, role=Role.ADMIN
    )
    notify_staff_of_reply(conversation_for(jane).pk)
    mails = received(smtp_server)
    assert set(mails) == {(alice.email,), (carol.email,)}
    spanish, english = mails[(alice.email,)], mails[(carol.email,)]
    assert spanish["Subject"] == "Nueva respuesta segura en Hushpost"
    text = spanish.get_payload(decode=True).decode()
    assert "Un contacto respondió a una conversación segura de" in text
    assert f"/inbox/{jane.pk}/" in text and "replied" not in text
    assert english["Subject"] == "New secure reply in Hushpost"
    assert "A contact replied" in english.get_payload(decode=True).decode()


def test_a_read_receipt_follows_its_authors_language(org_a, alice, jane, secure_on, smtp_server):
    alice.language = "es"
    alice.save()
    message, _raw = sent(org_a, alice, jane, notify_when_viewed=True)
    notify_author(message.pk)
    [mail] = received(smtp_server).values()
    assert mail["Subject"] == "Han visto su mensaje seguro"
    assert "Vea la conversación en Hushpost:" in mail.get_payload(decode=True).decode()


def test_an_invitation_is_written_in_the_inviters_language(org_a, alice, smtp_server):
    # The invitee has no language yet: a Spanish-speaking owner invites in Spanish.
    alice.language = "es"
    alice.save()
    invitation = staff.invite_user(alice, email="nia@riverside.example", first_name="Nia")
    assert invitation.sent
    assert invitation.user.language == "es"  # where the newcomer starts; Preferences change it
    [mail] = received(smtp_server).values()
    subject = str(make_header(decode_header(mail["Subject"])))
    assert subject == f"{alice.full_name} le invitó a {org_a.name} en Hushpost"
    text = mail.get_payload(decode=True).decode()
    assert "Hola, Nia:" in text
    assert "Para empezar, elija su contraseña aquí:" in text
    assert "/accounts/reset/" in text and "invited" not in text and "password" not in text


def test_an_english_speaking_inviter_still_invites_in_english(org_a, alice, smtp_server):
    invitation = staff.invite_user(alice, email="nia@riverside.example")
    assert invitation.user.language == "en"
    [mail] = received(smtp_server).values()
    assert mail["Subject"] == f"{alice.full_name} invited you to {org_a.name} on Hushpost"
    assert "To get started, choose your password here:" in mail.get_payload(decode=True).decode()
