"""A copy of the database holds no secret in the clear (issue 7, encryption at rest).

A realistic run goes through the real code: compose (a secure text over the
Twilio stand-in, a secure email over a real SMTP server), the contact opens
the link with the PIN and replies with a file on the secure page. Then the
database is dumped the way an attacker with a backup would have it — the
SQLite file and its WAL, or `pg_dump` of the PostgreSQL database — and no
body, subject, PIN, attachment byte, sensitive field value or link token may
appear in it, neither as text nor as base64.
"""

from __future__ import annotations

import base64
import email
import email.policy
import os
import re
import secrets
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from hushpost.contacts.models import Contact, CustomField
from hushpost.messaging.compose import NewAttachment, send_message
from hushpost.messaging.models import Attachment, Message, SecureMessagingSettings
from tests.worker_run import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

BODY = "Body-secret QZX4471: your scan shows nothing to worry about"
SUBJECT = "Subject-secret KLM3390 about your claim"
EMAIL_BODY = "Email-secret WWR7713: the settlement offer is attached"
PIN = "Q7Z3K9W2"
DEFAULT_PIN = "D4F8P6N2"
SENSITIVE = "POL-SECRET-55821"
REPLY = "Reply-secret MMT2208: thank you, see my notes"
ATTACHMENT = b"%PDF-1.4\nAttachment-secret VVB9912 " + secrets.token_bytes(700) + b"\n%%EOF"
REPLY_FILE = b"Reply-file-secret HJK5567 " + secrets.token_hex(300).encode()


def base64_forms(data: bytes) -> list[bytes]:
    """Every way `data` could show up base64-encoded inside a longer base64 text
    (all three alignments)."""
    forms = []
    for shift in range(3):
        chunk = data[shift:]
        chunk = chunk[: len(chunk) - len(chunk) % 3][:60]
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            forms.append(encode(chunk))
    return forms


def database_bytes() -> bytes:
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(FULL)")
        path = Path(connection.settings_dict["NAME"])
        wal = Path(f"{path}-wal")
        # Read by another process: closing any descriptor of the file in this
        # process would drop the POSIX locks this process's SQLite connections
        # hold on it, and the next process to close its last connection would
        # then delete the WAL under them ("disk I/O error" for every later test).
        files = [str(path)] + ([str(wal)] if wal.exists() else [])
        return subprocess.run(["cat", *files], capture_output=True, check=True, timeout=60).stdout
    pg_dump = shutil.which("pg_dump") or "/usr/bin/pg_dump"
    db = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    argv = [
        pg_dump,
        "--no-owner",
        "--dbname",
        db["NAME"],
        "--username",
        db.get("USER") or "postgres",
    ]
    if db.get("HOST"):
        argv += ["--host", db["HOST"]]
    if db.get("PORT"):
        argv += ["--port", str(db["PORT"])]
    return subprocess.run(argv, env=env, capture_output=True, check=True, timeout=120).stdout


def tokens_in(text: str) -> list[str]:
    return re.findall(r"/s/([A-Za-z0-9_-]{20,})", text)


def mail_text(envelope) -> str:
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    return "\n".join(
        part.get_content() for part in message.walk() if part.get_content_type().startswith("text/")
    )


def test_a_database_dump_holds_no_plaintext_secret(
    org_a, alice, secure_on, twilio_standin, smtp_server, client, settings
):
    settings.HUSHPOST_KEYS = ""  # the development key file in the data dir, as the demo runs
    secure_on.default_pin = DEFAULT_PIN
    secure_on.save()
    CustomField.objects.create(
        organization=org_a, key="policy", label="Policy number", sensitive=True
    )
    jane = Contact(
        organization=org_a, name="Jane Roe", phone="+14155550100", custom={"policy": SENSITIVE}
    )
    jane.secure_pin = PIN
    jane.save()
    sam = Contact.objects.create(organization=org_a, name="Sam Poe", email="sam@example.com")

    send_message(
        org_a,
        contacts=[jane],
        channel="sms",
        secure=True,
        sender=alice,
        body=BODY + " (policy {{ custom.policy }})",
        attachments=[NewAttachment("scan.pdf", "application/pdf", ATTACHMENT)],
    )
    send_message(
        org_a,
        contacts=[sam],
        channel="email",
        secure=True,
        sender=alice,
        subject=SUBJECT,
        body=EMAIL_BODY,
    )
    run_worker()

    sms_tokens = [t for sent in twilio_standin.sent for t in tokens_in(sent["body"] or "")]
    mail_tokens = [t for envelope in smtp_server.messages for t in tokens_in(mail_text(envelope))]
    assert len(sms_tokens) == 1 and len(mail_tokens) >= 1
    tokens = set(sms_tokens + mail_tokens)

    # Jane opens her link, enters her PIN and replies with a file.
    opened = client.post(f"/s/{sms_tokens[0]}", {"pin": PIN})
    assert opened.status_code == 302 and opened["Location"].startswith("/s/conversation/")
    assert BODY in client.get("/s/conversation/").content.decode()
    replied = client.post(
        "/s/conversation/reply",
        {"body": REPLY, "attachment": SimpleUploadedFile("notes.txt", REPLY_FILE)},
    )
    assert replied.status_code == 302
    run_worker()

    # Everything really is stored (and readable with the key), so its absence
    # below means encryption.
    assert {m.body for m in Message.objects.all()} >= {
        f"{BODY} (policy {SENSITIVE})",
        EMAIL_BODY,
        REPLY,
    }
    assert {a.data for a in Attachment.objects.all()} == {ATTACHMENT, REPLY_FILE}
    assert Contact.objects.get(pk=jane.pk).custom == {"policy": SENSITIVE}
    assert SecureMessagingSettings.objects.for_org(org_a).default_pin == DEFAULT_PIN

    dump = database_bytes()
    # The dump is the real thing: plain columns are in it.
    assert b"Jane Roe" in dump and b"sam@example.com" in dump

    texts = [BODY, SUBJECT, EMAIL_BODY, PIN, DEFAULT_PIN, SENSITIVE, REPLY, *tokens]
    for text in texts:
        raw = text.encode()
        assert dump.find(raw) == -1, f"{text[:24]}… is in the dump in the clear"
        for form in base64_forms(raw):
            assert dump.find(form) == -1, f"{text[:24]}… is in the dump as base64"
    for label, data in (("attachment", ATTACHMENT), ("reply file", REPLY_FILE)):
        assert dump.find(data[:40]) == dump.find(data[-60:]) == -1, (
            f"the {label}'s bytes are in the dump"
        )
        assert dump.find(data.hex()[:64].encode()) == -1, f"the {label} is in the dump as hex"
        for form in base64_forms(data):
            assert dump.find(form) == -1, f"the {label} is in the dump as base64"
