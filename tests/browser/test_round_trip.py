"""The whole round trip of a secure message, once by text message and once by email.

Everything real but the carriers: alice works in chromium (settings, compose, the send
result, the inbox, the activity log), a `hushpost worker` process sends through the
Twilio stand-in over HTTP or a real SMTP server (aiosmtpd), the notification is read
back from what the provider received, and the contact opens its link in a second
browser context on a 360 px phone: a wrong PIN, the right one, the conversation, a
reply. Along the way the tests prove what must never happen: the message, the reply
or an attached file reaching a provider, the raw link token in a log, an event or
the development outbox.

Screenshots of each step go to /tmp/shots/rt-<channel>-<step>.png.
"""

from __future__ import annotations

import csv
import email
import email.policy
import hashlib
import io
import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings as django_settings
from django.db import connection
from playwright.sync_api import expect

from hushpost.activity.models import Event, EventKind
from hushpost.contacts.models import Contact
from hushpost.delivery.models import Delivery, DeliveryStatus, OutboxEntry
from hushpost.messaging.models import Direction, Message, SecureLink, SecureMessagingSettings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
SHOTS = Path("/tmp/shots")
PIN = "4826"
WRONG_PIN = "1111"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db00000000049454e44ae426082"
)
# What the contact's log must hold after the round trip. Neither channel reports
# delivery here (Twilio's status callback has no webhook yet and SMTP never does), so
# `delivered` is not expected; a `failed` or `held` would be a wrong turn.
ROUND_TRIP_KINDS = {
    EventKind.QUEUED,
    EventKind.SENT,
    EventKind.LINK_CLICKED,
    EventKind.PIN_WRONG,
    EventKind.PIN_ENTERED,
    EventKind.MESSAGE_VIEWED,
    EventKind.REPLY_RECEIVED,
    EventKind.STAFF_VIEWED_CONVERSATION,
    EventKind.SENSITIVE_VALUE_REVEALED,  # the PIN revealed in Compose's preview
}
# The test's browser may open the link within seconds of sending, which is what a mail
# scanner does: that GET is then logged as `link_prefetched`, and the PIN the browser
# posts next makes it a person's `link_clicked` all the same (messaging/link_visits.py).
MAY_ALSO_HOLD = {EventKind.LINK_PREFETCHED}
URL = re.compile(r"https?://[^\s<>\"')]+")


def as_expected(kinds: set) -> bool:
    return set(ROUND_TRIP_KINDS) <= kinds <= set(ROUND_TRIP_KINDS) | MAY_ALSO_HOLD


def shoot(page, channel: str, step: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"rt-{channel}-{step}.png"), full_page=True)


@pytest.fixture
def providers(settings, live_server, twilio_standin, smtp_server, caplog):
    """Both providers configured (so nothing may fall back to the development outbox),
    links that point at the live server, and every log record of the test kept."""
    caplog.set_level(logging.DEBUG)
    settings.BASE_URL = live_server.url
    # The fixture points MAILERS at aiosmtpd; SMTP_HOST is what an install sets for that
    # (and what hides the "Development outbox" page from the staff menu).
    settings.SMTP_HOST = django_settings.MAILERS["default"]["OPTIONS"]["host"]
    return twilio_standin, smtp_server


@pytest.fixture
def jane(org_a):
    contact = Contact.objects.create(
        organization=org_a,
        name="Jane Roe",
        phone="+14155551234",
        email="jane.roe@example.com",
        time_zone="America/Los_Angeles",
        language="en",
    )
    contact.secure_pin = PIN
    contact.save()
    return contact


@pytest.fixture
def phone(browser):
    """The contact's own browser: nothing shared with alice's, a 360 px phone screen."""
    context = browser.new_context(viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.set_default_timeout(10_000)
    problems = []

    def note(msg):
        # A CSP violation or a missing asset shows up here; the wrong PIN is a 400 on purpose.
        if msg.type in ("error", "warning") and not re.search(r"status of 400 ", msg.text):
            problems.append(msg.text)

    page.on("console", note)
    page.problems = problems
    yield page
    context.close()


# --- The worker --------------------------------------------------------------------------


def _database_url() -> str:
    """The live server's test database, as DATABASE_URL for another process."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    credentials = quote(db["USER"] or "", safe="")
    if db.get("PASSWORD"):
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
    return f"postgresql://{credentials}@{host}/{quote(db['NAME'], safe='')}"


@contextmanager
def worker_process(log_path: Path) -> Iterator[subprocess.Popen]:
    """A real `hushpost worker` process on the test database, configured as production would be:
    by the environment (the same data dir, hence the same key ring; the providers' settings
    that the fixtures gave this process). The live server's test database is an ordinary
    SQLite file (TEST NAME in settings) or PostgreSQL database, so another process can
    reach it while the transactional test runs."""
    options = django_settings.MAILERS["default"]["OPTIONS"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hushpost.settings",
        "DATABASE_URL": _database_url(),
        "HUSHPOST_DATA_DIR": str(django_settings.DATA_DIR),
        "HUSHPOST_BASE_URL": django_settings.BASE_URL,
        "HUSHPOST_LOG_LEVEL": "DEBUG",
        "TWILIO_ACCOUNT_SID": django_settings.TWILIO_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": django_settings.TWILIO_AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": django_settings.TWILIO_FROM_NUMBER,
        "TWILIO_MESSAGING_SERVICE_SID": "",
        "TWILIO_API_BASE_URL": django_settings.TWILIO_API_BASE_URL,
        "SMTP_HOST": options["host"],
        "SMTP_PORT": str(options["port"]),
        "SMTP_TLS": "none",
        "SMTP_TIMEOUT_SECONDS": "5",
        "PYTHONUNBUFFERED": "1",
    }
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "hushpost.cli", "worker"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)  # db_worker finishes its task and exits
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_until_sent(
    delivery: Delivery, process: subprocess.Popen, log_path: Path, timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        delivery.refresh_from_db()
        if delivery.status not in (DeliveryStatus.QUEUED, DeliveryStatus.SENDING):
            return
        assert process.poll() is None, (
            f"the worker stopped (exit {process.returncode}):\n{log_path.read_text()}"
        )
        time.sleep(0.2)
    pytest.fail(f"the worker did not send within {timeout} s:\n{log_path.read_text()}")


# --- What the providers received ---------------------------------------------------------


def twilio_texts(standin) -> list[str]:
    """Everything each request to the stand-in carried: method, path, headers and every form
    field. The form is the whole urlencoded body parsed (keep_blank_values), so nothing in
    the raw body is missing here, and a search can't be fooled by percent-encoding."""
    texts = []
    for request in standin.requests:
        fields = "\n".join(f"{key}={value}" for key, value in request.form.items())
        headers = "\n".join(f"{key}: {value}" for key, value in request.headers.items())
        texts.append(f"{request.method} {request.path}\n{headers}\n\n{fields}")
    return texts


def smtp_texts(smtp) -> list[str]:
    """Each SMTP message as raw bytes and as every decoded part (quoted-printable or base64
    would hide a sentence from a search of the raw bytes alone)."""
    texts = []
    for envelope in smtp.messages:
        raw = envelope.original_content or envelope.content
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        parts = []
        for part in parsed.walk():
            if part.is_multipart():
                continue
            payload = part.get_payload(decode=True) or b""
            parts.append(payload.decode("utf-8", "replace"))
        headers = [f"{name}: {value}" for name, value in parsed.items()]  # decoded (RFC 2047)
        texts.append(
            "\n".join(
                [
                    raw.decode("utf-8", "replace"),
                    envelope.mail_from,
                    *envelope.rcpt_tos,
                    *headers,
                    *parts,
                ]
            )
        )
    return texts


def email_parts(envelope) -> tuple[email.message.EmailMessage, str, str]:
    """The message, its plain text part and its HTML part ("" when it has none)."""
    message = email.message_from_bytes(
        envelope.original_content or envelope.content, policy=email.policy.default
    )
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",))
    return message, text, html.get_content() if html is not None else ""


def the_one_link(text: str, base_url: str) -> str:
    links = URL.findall(text)
    assert len(links) == 1, f"expected exactly one link in the notification, found {links}"
    [link] = links
    assert link.startswith(f"{base_url}/s/"), link
    return link


# --- The steps both channels share -------------------------------------------------------


def enable_secure_messaging(page, channel: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Secure messaging").click()
    page.get_by_role("heading", name="Secure messaging").wait_for()
    page.get_by_label("Enable secure messaging").check()
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_role("status")).to_contain_text("Messaging settings saved.")
    shoot(page, channel, "01-settings")


def compose_and_send(
    page,
    channel: str,
    contact: Contact,
    *,
    body: str,
    secret: str,
    subject: str = "",
    attachment: dict | None = None,
) -> Delivery:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Compose").click()
    page.get_by_role("heading", name="Compose").wait_for()
    page.get_by_label("Search contacts").fill("roe")
    page.get_by_label(contact.name).check()
    page.get_by_label("Email" if channel == "email" else "Text message", exact=True).check()
    expect(page.get_by_label("Send securely")).to_be_checked()
    if subject:
        page.get_by_label("Subject (email)").fill(subject)
    page.get_by_label("Message", exact=True).fill(body)
    if attachment:
        page.get_by_label("Attachments").set_input_files(attachment)
    preview = page.locator("#compose-preview")
    # The preview shows the notification (link only) apart from the secure
    # page, and the PIN in force — masked until Reveal (which the audit trail records).
    expect(preview.locator('[data-preview="notification"]')).to_contain_text("/s/")
    expect(preview.locator('[data-preview="notification"]')).not_to_contain_text(secret)
    expect(preview.locator('[data-preview="body"]')).to_contain_text(secret)
    expect(preview.locator('[data-preview="pin"]')).to_contain_text("••••")
    expect(preview.locator('[data-preview="pin"]')).not_to_contain_text(PIN)
    preview.get_by_role("button", name="Reveal the PIN and sensitive values").click()
    expect(preview.locator('[data-preview="pin"]')).to_contain_text(PIN)
    shoot(page, channel, "02-compose")

    page.get_by_role("button", name="Send", exact=True).click()
    # A send with a file is encrypted and stored in one transaction: on a busy
    # machine that takes longer than a click.
    page.wait_for_url("**/sends/*/", timeout=30_000)
    row = page.locator("table.send-outcomes tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(contact.name)
    expect(row).to_contain_text("Queued")
    shoot(page, channel, "03-queued")
    return Delivery.objects.get(contact=contact)


def run_the_worker(page, channel: str, delivery: Delivery, tmp_path: Path) -> str:
    log_path = tmp_path / "worker.log"
    with worker_process(log_path) as process:
        wait_until_sent(delivery, process, log_path)
    worker_log = log_path.read_text()
    assert process.returncode == 0, worker_log  # a clean stop on SIGTERM
    delivery.refresh_from_db()
    # That process sent it (the batched worker logs each acceptance; delivery/batch.py).
    assert f"delivery {delivery.pk}: accepted by" in worker_log, worker_log
    assert delivery.status == DeliveryStatus.SENT, (
        delivery.status,
        delivery.reason,
        delivery.attempt_log,
    )
    assert delivery.attempts == 1 and delivery.attempt_log == []
    # The send result refreshes itself until nothing is on its way.
    row = page.locator("table.send-outcomes tbody tr")
    expect(row).to_contain_text("Sent", timeout=10_000)
    expect(page.get_by_role("status")).to_contain_text("1 sent")
    assert page.locator('meta[http-equiv="refresh"]').count() == 0
    shoot(page, channel, "04-sent")
    return worker_log


def contact_opens_the_link(
    phone,
    channel: str,
    link: str,
    secret: str,
    *,
    reply: str,
    reply_file: dict | None = None,
    staff_file: str = "",
) -> None:
    phone.goto(link)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Enter your PIN")
    expect(phone.get_by_text(secret)).to_have_count(
        0
    )  # a GET shows no content (mail scanners fetch links)
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    shoot(phone, channel, "05-pin")

    phone.get_by_label("PIN").fill(WRONG_PIN)
    phone.get_by_role("button", name="Continue").click()
    expect(phone.get_by_role("alert")).to_have_text("That PIN is not right. 4 tries left.")
    expect(phone.get_by_text(secret)).to_have_count(0)
    shoot(phone, channel, "06-pin-wrong")

    phone.get_by_label("PIN").fill(PIN)
    phone.get_by_role("button", name="Continue").click()
    phone.wait_for_url("**/s/conversation/**")
    token = link.rsplit("/", 1)[1]
    assert token not in phone.url
    expect(phone.get_by_text(secret)).to_be_visible()
    if staff_file:
        expect(phone.get_by_role("link", name=staff_file)).to_be_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 360
    shoot(phone, channel, "07-conversation")

    phone.get_by_label("Your reply").fill(reply)
    if reply_file:
        phone.get_by_label("Attach a file (optional)").set_input_files(reply_file)
    phone.get_by_role("button", name="Send reply").click()
    phone.wait_for_url("**/s/conversation/?sent=1*")
    expect(phone.get_by_role("status")).to_contain_text("Sent")
    newest = phone.locator(".thread > li").last
    expect(newest).to_contain_text(reply)
    if reply_file:
        expect(newest.get_by_role("link", name=reply_file["name"])).to_be_visible()
    assert token not in phone.url
    shoot(phone, channel, "08-replied")
    assert phone.problems == []


def staff_reads_the_reply(
    page, channel: str, contact: Contact, reply: str, reply_file: dict | None
) -> None:
    page.get_by_role("link", name="Inbox", exact=False).first.click()
    row = page.locator("li.conversation-row").filter(has_text=contact.name)
    expect(row).to_contain_text("1 new reply")
    expect(row).to_contain_text(reply.splitlines()[0][:60])  # its first line
    expect(row).to_have_class(re.compile(r"\bunread\b"))
    shoot(page, channel, "09-inbox")

    row.get_by_role("link", name=contact.name).click()
    page.get_by_role("heading", name=contact.name).wait_for()
    newest = page.locator("ol.thread > li").last
    expect(newest).to_contain_text(reply)
    expect(newest.locator(".tag-new")).to_have_text("New")  # unread until this very view
    if reply_file:
        expect(newest.get_by_role("link", name=reply_file["name"])).to_be_visible()
    shoot(page, channel, "10-conversation")
    page.get_by_role("button", name="All conversations").click()
    expect(page.locator("li.conversation-row").filter(has_text=contact.name)).not_to_contain_text(
        "new repl"
    )


def the_log_shows_every_event(page, channel: str, contact: Contact) -> str:
    page.get_by_role("link", name="Activity", exact=True).click()
    page.get_by_label("Contact").select_option(label=f"{contact.name} · {contact.email}")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/activity/?*contact=*")
    rows = page.locator("table.events tbody tr")
    kinds = {row.get_attribute("data-kind") for row in rows.all()}
    assert as_expected(kinds), kinds
    # In sentences that name the contact, never their number or address in full.
    what = page.locator('td[data-label="What happened"]').all_inner_texts()
    assert any(f"{contact.name} entered a wrong PIN" == text for text in what)
    assert not any(contact.email in text or contact.phone in text for text in what)
    shoot(page, channel, "11-activity")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export CSV").click()
    exported = Path(download.value.path()).read_text()
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert {row["kind"] for row in rows} == kinds
    assert {row["contact_id"] for row in rows} == {str(contact.pk)}
    assert set(Event.objects.filter(contact=contact).values_list("kind", flat=True)) == kinds
    return exported


def assert_nothing_leaked(
    *,
    token: str,
    secrets: list[str],
    provider_texts: list[str],
    exported_csv: str,
    log_text: str,
    worker_log: str,
    org,
) -> None:
    # The content (message, reply, file names and bytes) never reached a provider; the
    # token did (it is the link), which shows the search looks where it should.
    assert any(token in text for text in provider_texts)
    for text in provider_texts:
        for secret in secrets:
            assert secret not in text, f"{secret!r} reached a provider"
    # The raw token is in the notification (that is the link), and nowhere we keep.
    details = json.dumps(
        [[e.kind, e.actor_label, e.detail] for e in Event.objects.filter(organization=org)]
    )
    for where, text in {
        "event details": details,
        "the CSV export": exported_csv,
        "the test's log": log_text,
        "the worker's log": worker_log,
    }.items():
        assert token not in text, f"the raw link token is in {where}"
        for secret in secrets:
            assert secret not in text, f"{secret!r} is in {where}"
    assert (
        not OutboxEntry.objects.exists()
    )  # providers configured: the development outbox stays empty
    # Only the token's hash is stored.
    assert SecureLink.objects.filter(token_hash=hashlib.sha256(token.encode()).hexdigest()).exists()
    assert not SecureLink.objects.filter(token_hash=token).exists()


def log_text(caplog) -> str:
    return "\n".join([caplog.text, *(record.getMessage() for record in caplog.records)])


# --- The two round trips -----------------------------------------------------------------


def test_the_round_trip_by_text_message(
    providers, signed_in_page, phone, jane, org_a, caplog, tmp_path, live_server
):
    standin, smtp = providers
    secret = "Your biopsy of 3 March shows no malignant cells; Dr Okafor will call on Thursday."
    reply = "Thank you so much, Thursday after 2 pm suits me best."
    page = signed_in_page
    assert page.get_by_role("link", name="Development outbox").count() == 0

    enable_secure_messaging(page, "sms")
    assert SecureMessagingSettings.objects.get(organization=org_a).enabled
    delivery = compose_and_send(page, "sms", jane, body=secret, secret=secret)
    assert standin.requests == []  # nothing goes out before the worker takes it
    worker_log = run_the_worker(page, "sms", delivery, tmp_path)

    # The stand-in got one message: to Jane's phone, with the notification and its link only.
    [request] = standin.requests
    [sent] = standin.sent
    assert request.form["To"] == jane.phone == sent["to"] and delivery.provider_id == sent["sid"]
    body = request.form["Body"]
    assert body.startswith("You've received a secure message from Alice Lee")
    link = the_one_link(body, live_server.url)
    token = link.rsplit("/", 1)[1]

    contact_opens_the_link(phone, "sms", link, secret, reply=reply)
    reply_message = Message.objects.get(direction=Direction.INBOUND)
    assert reply_message.body == reply and reply_message.channel == "sms"
    staff_reads_the_reply(page, "sms", jane, reply, None)
    exported = the_log_shows_every_event(page, "sms", jane)

    # alice was told of the reply by email: a pointer to the conversation, quoting nothing.
    [pointer] = smtp.messages
    assert pointer.rcpt_tos == ["alice@riverside.example"]
    _, pointer_text, _ = email_parts(pointer)
    assert f"{live_server.url}/inbox/{jane.pk}/" in pointer_text
    assert len(standin.requests) == 1  # the reply sent no text message
    assert_nothing_leaked(
        token=token,
        secrets=[secret, reply],
        provider_texts=twilio_texts(standin) + smtp_texts(smtp),
        exported_csv=exported,
        log_text=log_text(caplog),
        worker_log=worker_log,
        org=org_a,
    )


def test_the_round_trip_by_email(
    providers, signed_in_page, phone, jane, org_a, caplog, tmp_path, live_server
):
    standin, smtp = providers
    secret = "Your MRI of 14 February is clear; the cyst measures 4 mm and needs no treatment."
    subject = "Scan results from the Lakeside imaging unit"
    file_secret = b"%PDF-1.4 lab-report-7731 hemoglobin 13.9 g/dL"
    reply = "That is wonderful news. Here is the signed consent form you asked for."
    page = signed_in_page

    enable_secure_messaging(page, "email")
    delivery = compose_and_send(
        page,
        "email",
        jane,
        subject=subject,
        body="Dear {{ contact.first_name }},\n" + secret,
        secret=secret,
        attachment={
            "name": "lab-report-7731.pdf",
            "mimeType": "application/pdf",
            "buffer": file_secret,
        },
    )
    worker_log = run_the_worker(page, "email", delivery, tmp_path)

    # One email to Jane: the notification as plain text and HTML, with its one link, no files.
    [notification] = smtp.messages
    assert notification.rcpt_tos == [jane.email]
    message, text, html = email_parts(notification)
    assert (
        message["Subject"] == "You've received a secure message from Alice Lee at Riverside Clinic"
    )
    assert not list(message.iter_attachments())
    link = the_one_link(text, live_server.url)
    assert re.findall(r'<a href="([^"]+)"', html) == [link]
    assert message["Message-ID"] == f"<{delivery.provider_id}>"
    token = link.rsplit("/", 1)[1]

    reply_file = {"name": "signed-consent.png", "mimeType": "image/png", "buffer": PNG}
    contact_opens_the_link(
        phone,
        "email",
        link,
        secret,
        reply=reply,
        reply_file=reply_file,
        staff_file="lab-report-7731.pdf",
    )
    reply_message = Message.objects.get(direction=Direction.INBOUND)
    assert reply_message.body == reply and reply_message.attachments.get().data == PNG
    staff_reads_the_reply(page, "email", jane, reply, reply_file)
    exported = the_log_shows_every_event(page, "email", jane)

    # The second email is alice's pointer to the reply; Twilio heard nothing at all.
    assert [m.rcpt_tos for m in smtp.messages] == [[jane.email], ["alice@riverside.example"]]
    assert standin.requests == []
    assert_nothing_leaked(
        token=token,
        secrets=[
            secret,
            subject,
            "the cyst measures 4 mm",
            reply,
            "lab-report-7731",
            "signed-consent",
            file_secret.decode(),
        ],
        provider_texts=smtp_texts(smtp),
        exported_csv=exported,
        log_text=log_text(caplog),
        worker_log=worker_log,
        org=org_a,
    )
