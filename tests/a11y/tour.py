"""Walk a browser through every page a contact can meet, and every staff page.

The accessibility tests (axe, reflow, focus rings) and `make screenshots` take
the same walks, calling `visit(page, name)` on each page once it is shown. A
page the walk can't reach fails the walk with its name: a page that is not
checked must not pass silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from django.utils import timezone
from django.utils.translation import to_language

from hushpost.accounts.models import Organization, Role, User
from hushpost.contacts.models import Contact
from hushpost.delivery.unsubscribe import unsubscribe_url
from hushpost.messaging.links import MAX_PIN_ATTEMPTS, check_pin, contact_pin_limits, create_link
from hushpost.messaging.models import Direction, SecureMessagingSettings
from tests.portal.conftest import add_message

Visit = Callable[[object, str], None]
PIN = "2468"
PASSWORD = "correct horse battery staple"
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360f8cf00000301010018dd8db00000000049454e44ae426082"
)


class PageNotReached(AssertionError):
    pass


def languages() -> list[str]:
    """English and every language with a catalogue in the repository (hushpost/locale/<ll>)."""
    found = ["en"]
    base = Path(__file__).resolve().parents[2] / "hushpost" / "locale"
    if base.is_dir():
        for entry in sorted(base.iterdir()):
            code = to_language(entry.name)
            if (entry / "LC_MESSAGES" / "django.po").exists() and code not in found:
                found.append(code)
    return found


def clinic() -> Organization:
    org = Organization.objects.filter(slug="riverside").first()
    if org is None:
        org = Organization.objects.create(
            name="Riverside Clinic",
            company_name="Riverside Clinic",
            slug="riverside",
            time_zone="America/Los_Angeles",
            country="US",
            help_phone="+1 415 555 0100",
            help_hours="Monday to Friday, 8 am to 6 pm",
            pin_hint="The last four digits of your phone number",
        )
        secure = SecureMessagingSettings.objects.for_org(org)
        secure.enabled = True
        secure.save()
    return org


@dataclass
class Stage:
    """One contact's links in every state a page can show."""

    contact: Contact
    pin: str
    open: str
    expired: str
    locked: str
    refused: str  # expired, of a contact with nothing to send a new link to
    paused: str  # of a contact past the limit of wrong PINs
    unsubscribe: str
    confirm: str  # the page answering an appointment reminder


def _link(contact, message, *, pin=PIN, lifetime=timedelta(hours=24), now=None):
    link, raw = create_link(
        contact=contact,
        message=message,
        channel="sms",
        lifetime=lifetime,
        pin=pin,
        pin_source="contact" if pin else "",
        now=now,
    )
    return link, raw


def stage(language: str) -> Stage:
    org = clinic()
    suffix = language.replace("-", "")
    jane = Contact.objects.create(
        organization=org,
        name="Jane Roe",
        phone="+14155551234",
        email=f"jane.{suffix}@example.com",
        time_zone="America/Los_Angeles",
        language=language,
    )
    sent = timezone.now() - timedelta(hours=2)
    message = add_message(
        jane,
        "Your test results are ready: all clear. Call us if you have questions.",
        files=[("results.pdf", "application/pdf", b"%PDF-1.4 results")],
        created_at=sent,
    )
    add_message(
        jane,
        "Thank you! Can I book a follow-up?",
        direction=Direction.INBOUND,
        created_at=sent + timedelta(minutes=20),
    )
    _, pin_raw = _link(jane, message)
    _, open_raw = _link(jane, message, pin=None)
    _, expired_raw = _link(jane, message, lifetime=timedelta(hours=1), now=sent - timedelta(days=2))
    locked, locked_raw = _link(jane, message)
    for _ in range(MAX_PIN_ATTEMPTS):
        check_pin(locked, "0000")

    sam = Contact.objects.create(
        organization=org, name="Sam Poe", phone="", email="", language=language
    )
    _, refused_raw = _link(sam, None, lifetime=timedelta(hours=1), now=sent - timedelta(days=2))
    kim = Contact.objects.create(
        organization=org, name="Kim Lo", phone="+14155550177", language=language
    )
    failures, _ = contact_pin_limits()
    while failures > 0:
        spent, _ = _link(kim, None)
        for _ in range(min(MAX_PIN_ATTEMPTS, failures)):
            check_pin(spent, "0000")
        failures -= MAX_PIN_ATTEMPTS
    _, paused_raw = _link(kim, None)
    from hushpost.appointments.confirm_links import confirm_url
    from hushpost.appointments.models import Appointment

    appointment = Appointment.objects.create(
        organization=org,
        contact=jane,
        start=timezone.now() + timedelta(days=3),
        end=timezone.now() + timedelta(days=3, minutes=30),
        title="Check-up",
        location="Main Street clinic",
    )
    return Stage(
        confirm=urlsplit(confirm_url(appointment)).path,
        contact=jane,
        pin=pin_raw,
        open=open_raw,
        expired=expired_raw,
        locked=locked_raw,
        refused=refused_raw,
        paused=paused_raw,
        unsubscribe=urlsplit(unsubscribe_url(jane.pk, jane.email)).path,
    )


def _expect(page, name: str, status: int | None, response, pattern: str) -> None:
    code = response.status if response is not None else None
    if status is not None and code != status:
        raise PageNotReached(f"{name}: answered {code}, not {status} ({page.url})")
    if not re.search(pattern, page.content()):
        raise PageNotReached(f"{name}: {pattern!r} is not on the page ({page.url})")


def _submit(page, selector: str):
    with page.expect_navigation() as navigation:
        page.click(selector)
    return navigation.value


def contact_pages(
    page, base_url: str, language: str, visit: Visit, *, shrink_uploads=None
) -> list[str]:
    """Every page a contact can meet, in `language`. Returns the names visited, in order.

    `shrink_uploads(limit)` lowers the portal's request size limit for the
    "file too large" page (a fixture's monkeypatch), so no 25 MB upload is needed.
    """
    s = stage(language)
    seen: list[str] = []

    def at(name: str, response, *, status: int | None = 200, pattern: str = r"<main") -> None:
        _expect(page, name, status, response, pattern)
        visit(page, name)
        seen.append(name)

    at("pin", page.goto(f"{base_url}/s/{s.pin}"), pattern='id="pin-hint"')
    page.fill("#pin", "9999")
    at("pin-wrong", _submit(page, "form button[type=submit]"), status=400, pattern='id="pin-error"')
    at("view-button", page.goto(f"{base_url}/s/{s.open}"))
    page.goto(f"{base_url}/s/{s.pin}")
    page.fill("#pin", PIN)
    at("conversation", _submit(page, "form button[type=submit]"), pattern=r'class="thread"')
    at(
        "conversation-reply-refused",
        _submit(page, "#reply button[type=submit]"),
        status=400,
        pattern='id="body-error"',
    )
    page.fill("#body", "Thank you, I will call on Monday.")
    page.set_input_files(
        "#attachment", files=[{"name": "photo.png", "mimeType": "image/png", "buffer": PNG}]
    )
    at("conversation-reply-sent", _submit(page, "#reply button[type=submit]"), pattern='id="sent"')
    if shrink_uploads is not None:
        shrink_uploads(20_000)
        page.set_input_files(
            "#attachment",
            files=[
                {
                    "name": "scan.pdf",
                    "mimeType": "application/pdf",
                    "buffer": b"%PDF-1.4 " + b"0" * 40_000,
                }
            ],
        )
        at("too-large", _submit(page, "#reply button[type=submit]"), status=413)
        shrink_uploads(None)
        page.goto(f"{base_url}/s/conversation/")
    at("signed-out", _submit(page, ".portal-signout button"))
    at("session-ended", page.goto(f"{base_url}/s/conversation/"), status=403)
    at("not-valid", page.goto(f"{base_url}/s/{'A' * 43}"), status=404)
    at("expired", page.goto(f"{base_url}/s/{s.expired}"), pattern='value="other"')
    at("new-link-sent", _submit(page, ".portal-card button[type=submit]:not([value=other])"))
    at("locked", page.goto(f"{base_url}/s/{s.locked}"))
    at("new-link-other-channel", _submit(page, "button[value=other]"))
    page.goto(f"{base_url}/s/{s.refused}")
    at(
        "new-link-refused",
        _submit(page, ".portal-card button[type=submit]"),
        pattern='role="alert"',
    )
    page.goto(f"{base_url}/s/{s.paused}")
    page.fill("#pin", PIN)
    at("too-many-tries", _submit(page, "form button[type=submit]"), status=429)
    # A form posted from another site: refused with the portal's own page.
    page.set_content(
        f'<form method="post" action="{base_url}/s/{s.pin}"><input name="pin" value="1">'
        '<button type="submit">Go</button></form>'
    )
    at("form-expired", _submit(page, "button"), status=403)
    at("appointment", page.goto(f"{base_url}{s.confirm}"), pattern='value="confirm"')
    at("appointment-confirmed", _submit(page, "button[value=confirm]"))
    at("unsubscribe", page.goto(f"{base_url}{s.unsubscribe}"))
    at("unsubscribed", _submit(page, "main form button[type=submit]"))
    at("unsubscribe-not-valid", page.goto(f"{base_url}/u/not-a-token/"), status=404)
    return seen


def staff_user() -> User:
    org = clinic()
    user = User.objects.filter(email="dana@riverside.example").first()
    if user is None:
        user = User.objects.create_user(
            "dana@riverside.example",
            PASSWORD,
            first_name="Dana",
            last_name="Demo",
            organization=org,
            role=Role.OWNER,
        )
    return user


def staff_paths(contact: Contact | None = None) -> list[tuple[str, str]]:
    """(name, path) of every staff page, with real rows behind the pages of one item.

    `contact`: whose conversation and details to show (a new one by default)."""
    from django.urls import reverse

    from hushpost.appointments.models import Appointment, AutoMessage
    from hushpost.contacts.models import CustomField
    from hushpost.imports.pipeline import run_import
    from hushpost.messaging.compose import send_message
    from tests.contacts.importing import make_import

    org = clinic()
    user = staff_user()
    contact = contact or stage("en").contact
    result = send_message(
        org, contacts=[contact], channel="sms", secure=True, body="See you soon.", sender=user
    )
    appointment = Appointment.objects.create(
        organization=org,
        contact=contact,
        start=timezone.now() + timedelta(days=2),
        end=timezone.now() + timedelta(days=2, hours=1),
        title="Check-up",
        location="Main Street clinic",
    )
    link = contact.secure_links.filter(locked_at__isnull=False).first()
    field, _ = CustomField.objects.get_or_create(
        organization=org, key="patient_number", defaults={"label": "Patient number"}
    )
    auto = AutoMessage.objects.create(
        organization=org,
        channel="sms",
        timing="before_start",
        offset_minutes=1440,
        body="See you {{ appointment.start_date }} at {{ appointment.start_time }}.",
    )
    # An import still waiting for the worker (its page updates itself) and a finished one.
    importing = make_import(org, "Name,Email\nJane Roe,jane@example.com\n", user=user)
    imported = make_import(
        org, "Name,Email\nKim Lee,kim@example.com\nSam Poe,sam@example.com\n", user=user
    )
    run_import(imported.pk)
    paths = [
        ("home", reverse("web:home")),
        ("inbox", reverse("web:inbox")),
        ("conversation", reverse("web:conversation", args=[contact.pk])),
        ("contacts", reverse("web:contact_list")),
        ("contact", reverse("web:contact_detail", args=[contact.pk])),
        ("contact-edit", reverse("web:contact_edit", args=[contact.pk])),
        ("contact-new", reverse("web:contact_new")),
        ("contact-delete", reverse("web:contact_delete", args=[contact.pk])),
        ("links-revoke-all", reverse("web:links_revoke_all", args=[contact.pk])),
        ("link-unlock", reverse("web:link_unlock", args=[contact.pk, link.pk])),
        ("link-revoke", reverse("web:link_revoke", args=[contact.pk, link.pk])),
        ("compose", reverse("web:compose")),
        ("send", reverse("web:send_detail", args=[result.send.pk])),
        ("appointments", reverse("web:appointments")),
        ("appointment", reverse("web:appointment_detail", args=[appointment.pk])),
        ("appointment-edit", reverse("web:appointment_edit", args=[appointment.pk])),
        ("appointment-delete", reverse("web:appointment_delete", args=[appointment.pk])),
        ("appointment-new", reverse("web:appointment_new")),
        ("appointment-import", reverse("web:appointment_import")),
        ("calendar-feeds", reverse("web:calendar_feeds")),
        ("auto-messages", reverse("web:auto_messages")),
        ("auto-message-new", reverse("web:auto_message_new")),
        ("auto-message-edit", reverse("web:auto_message_edit", args=[auto.pk])),
        ("auto-message-delete", reverse("web:auto_message_delete", args=[auto.pk])),
        ("secure-settings", reverse("web:secure_settings")),
        ("fields", reverse("web:field_list")),
        ("field-new", reverse("web:field_new")),
        ("field-edit", reverse("web:field_edit", args=[field.pk])),
        ("field-delete", reverse("web:field_delete", args=[field.pk])),
        ("confirmation-settings", reverse("web:confirmation_settings")),
        ("organization", reverse("web:organization")),
        ("users", reverse("web:user_list")),
        ("user-new", reverse("web:user_new")),
        ("user-edit", reverse("web:user_edit", args=[user.pk])),
        ("api-keys", reverse("web:api_keys")),
        ("webhooks", reverse("web:webhooks")),
        ("activity", reverse("web:activity")),
        ("audit", reverse("web:audit")),
        ("security", reverse("web:security")),
        ("preferences", reverse("web:preferences")),
        ("deliveries", reverse("web:deliveries")),
        ("outbox", reverse("web:outbox")),
        ("import", reverse("web:import_new")),
        ("import-running", reverse("web:import_detail", args=[importing.pk])),
        ("import-report", reverse("web:import_detail", args=[imported.pk])),
    ]
    return paths


def sign_in(page, base_url: str) -> None:
    staff_user()
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", "dana@riverside.example")
    page.fill("input[name=password]", PASSWORD)
    _submit(page, "main form button[type=submit]")
    if "/accounts/login/" in page.url:
        raise PageNotReached("sign-in: still on the sign-in page")


def staff_pages(page, base_url: str, visit: Visit) -> list[str]:
    seen = []
    page.goto(f"{base_url}/accounts/login/")
    visit(page, "sign-in")
    seen.append("sign-in")
    sign_in(page, base_url)
    for name, path in staff_paths():
        response = page.goto(f"{base_url}{path}")
        _expect(page, name, 200, response, r"<main")
        visit(page, name)
        seen.append(name)
    return seen
