"""Emails to staff come in each recipient's language (User.language): a reply
notice to a Spanish- and an English-speaking admin is two emails, one in each;
a read receipt follows its author's language."""

from __future__ import annotations

import email

import pytest

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
