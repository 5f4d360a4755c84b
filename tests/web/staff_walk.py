"""Every staff page, with real rows behind it, and the visible text of a page.

The Spanish-staff test (tests/web/test_staff_spanish.py) walks these pages with
Django's test client and reads what a person would see: text nodes and the
attributes a browser shows or reads aloud. A route of the staff app that is not
walked here must be listed in NOT_PAGES with the reason, or the test fails.
"""

from __future__ import annotations

from html.parser import HTMLParser

from django.urls import URLPattern, URLResolver, get_resolver, reverse

from hushpost.accounts.api_keys import create_key
from hushpost.imports.feeds import create_feed
from hushpost.imports.models import ImportStatus
from hushpost.imports.pipeline import run_import
from hushpost.webhooks.endpoints import create_endpoint
from tests.a11y.tour import staff_paths, stage
from tests.contacts.importing import make_import

# Staff routes that are not pages a person reads: actions that only take a POST
# (they answer with a redirect or a fragment already walked), downloads, and
# polling fragments that carry no sentence of their own.
NOT_PAGES = {
    "conversation_assign": "POST only: assigns, then redirects to the conversation",
    "conversation_state": "POST only: marks done or reopens",
    "conversation_presence": "polling fragment: the names of colleagues viewing",
    "attachment": "a file download",
    "appointment_confirm": "POST only",
    "appointment_cancel": "POST only",
    "send_deliveries_csv": "a CSV download",
    "delivery_retry": "POST only",
    "contact_reveal": "POST only: the revealed value, in a fragment",
    "import_rejected_csv": "a CSV download",
    "auto_message_toggle": "POST only",
    "activity_export": "a CSV download",
    "audit_export": "a CSV download",
    "api_key_revoke": "POST only from the list (its confirmation is on the list page)",
    "calendar_feed_sync": "POST only",
    "webhook_test": "POST only",
    "webhook_replay": "POST only",
}


def staff_route_names() -> set[str]:
    """The name of every route of the staff app (namespace `web`)."""
    names: set[str] = set()

    def walk(patterns, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, entry.namespace or namespace)
            elif isinstance(entry, URLPattern) and namespace == "web" and entry.name:
                names.add(entry.name)

    walk(get_resolver().url_patterns, None)
    return names


def all_staff_pages(org, user, webhook_url: str) -> list[tuple[str, str]]:
    """(route name, path) of every staff page: the accessibility tour's list and the rest.

    `webhook_url`: a receiver the webhook endpoint can point at (a loopback address)."""
    jane = stage("en").contact
    names = {
        "home": "home",
        "inbox": "inbox",
        "conversation": "conversation",
        "contacts": "contact_list",
        "contact": "contact_detail",
        "contact-edit": "contact_edit",
        "contact-new": "contact_new",
        "contact-delete": "contact_delete",
        "links-revoke-all": "links_revoke_all",
        "link-unlock": "link_unlock",
        "link-revoke": "link_revoke",
        "compose": "compose",
        "send": "send_detail",
        "appointments": "appointments",
        "appointment": "appointment_detail",
        "appointment-edit": "appointment_edit",
        "appointment-delete": "appointment_delete",
        "appointment-new": "appointment_new",
        "appointment-import": "appointment_import",
        "calendar-feeds": "calendar_feeds",
        "auto-messages": "auto_messages",
        "auto-message-new": "auto_message_new",
        "auto-message-edit": "auto_message_edit",
        "auto-message-delete": "auto_message_delete",
        "secure-settings": "secure_settings",
        "fields": "field_list",
        "field-new": "field_new",
        "field-edit": "field_edit",
        "field-delete": "field_delete",
        "confirmation-settings": "confirmation_settings",
        "organization": "organization",
        "users": "user_list",
        "user-new": "user_new",
        "user-edit": "user_edit",
        "api-keys": "api_keys",
        "webhooks": "webhooks",
        "activity": "activity",
        "audit": "audit",
        "security": "security",
        "preferences": "preferences",
        "deliveries": "deliveries",
        "outbox": "outbox",
        "import": "import_new",
        "import-running": "import_detail",
        "import-report": "import_detail",
    }
    pages = [(names[name], path) for name, path in staff_paths(jane)]
    create_key(org, "Front desk", created_by=user)
    feed = create_feed(org, url="http://127.0.0.1:9/clinic.ics", name="Front desk calendar")
    endpoint, _secret = create_endpoint(org, url=webhook_url, events=["*"], description="CRM")
    mapping_run = make_import(org, "Nombre,Móvil\nAna Ruiz,+14155550111\n", user=user, queued=False)
    # Rows refused or imported with a warning for different reasons, so the report
    # shows several stored (English) reasons, which the page gives in Spanish.
    done_run = make_import(
        org,
        "Name,Mobile,Email,Fijo\n"
        "Luis Paz,+14155550122,,\n"
        ",,,\n"
        "No Phone,,,\n"
        "Rosa Vidal,+14155550122,,\n"
        "Eva Gil,,correo-roto,\n"
        "Juan Sol,+14155550133,,12\n"
        "Ana Mar,+14155550144,,,,99\n",
        user=user,
        mapping=["name", "phone", "email", "other_phone"],
    )
    run_import(done_run.pk)
    done_run.refresh_from_db()
    assert done_run.status != ImportStatus.QUEUED
    auto_pk = reverse_args(pages, "auto_message_edit")
    pages += [
        ("compose_preview", reverse("web:compose_preview")),
        ("auto_message_preview", reverse("web:auto_message_preview")),
        (
            "auto_message_preview_existing",
            reverse("web:auto_message_preview_existing", args=[auto_pk]),
        ),
        ("secure_settings_preview", reverse("web:secure_settings_preview")),
        ("calendar_feed_detail", reverse("web:calendar_feed_detail", args=[feed.pk])),
        ("calendar_feed_delete", reverse("web:calendar_feed_delete", args=[feed.pk])),
        ("webhook_detail", reverse("web:webhook_detail", args=[endpoint.pk])),
        ("webhook_rotate", reverse("web:webhook_rotate", args=[endpoint.pk])),
        ("webhook_delete", reverse("web:webhook_delete", args=[endpoint.pk])),
        ("import_mapping", reverse("web:import_mapping", args=[mapping_run.pk])),
        ("import_detail", reverse("web:import_detail", args=[done_run.pk])),
    ]
    return pages


def reverse_args(pages, name):
    path = dict(pages)[name]
    return int(path.rstrip("/").split("/")[-1])


# Elements whose text is not prose of ours: code the staff type into templates,
# the data of a textarea, scripts and styles.
SKIPPED = {"script", "style", "code", "pre", "textarea", "template"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}
SHOWN_ATTRIBUTES = {"aria-label", "placeholder", "title", "alt", "data-label"}


class VisibleText(HTMLParser):
    """The text nodes of a page and its shown attributes, outside SKIPPED elements and
    outside elements marked translate="no" (a message as the contact gets it)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self.depth = 0
        self.open: list[bool] = []  # per open element: does it start a skipped part?

    def handle_starttag(self, tag, attrs):
        skipped = tag in SKIPPED or dict(attrs).get("translate") == "no"
        if tag not in VOID:
            self.open.append(skipped)
        if skipped and tag not in VOID:
            self.depth += 1
        for name, value in attrs:
            if name in SHOWN_ATTRIBUTES and value and value.strip():
                self.texts.append(value.strip())
        if tag == "input":
            kinds = dict(attrs)
            if kinds.get("type") in {"submit", "button"} and kinds.get("value"):
                self.texts.append(kinds["value"].strip())

    def handle_endtag(self, tag):
        if tag in VOID or not self.open:
            return
        if self.open.pop() and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth and data.strip():
            self.texts.append(" ".join(data.split()))


def visible_texts(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return parser.texts
