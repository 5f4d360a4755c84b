"""The shared cast and the real stand-ins the tests talk to.

alice owns Riverside Clinic, bob is a member there; mallory owns Harbor Law,
another organization whose data alice must never reach. Jane Roe is a patient
of Riverside Clinic with a secure message waiting; each organization has an
API key and a client that sends it.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import uuid

import pytest
from django.conf import settings as django_settings

from hushpost.accounts.api_keys import create_key
from hushpost.accounts.models import Organization, Role, User
from hushpost.catalogs import compile_catalogs
from hushpost.contacts.models import Contact
from hushpost.outbound import addresses
from tests.api.helpers import ApiClient
from tests.portal.conftest import SECRET_TEXT, add_message, make_link

PASSWORD = "correct horse battery staple"


def pytest_configure(config):
    # `make test` compiles the translations first; a bare `pytest` gets them too.
    # Only the controller writes them: xdist workers start after it has.
    if not hasattr(config, "workerinput"):
        compile_catalogs()


# Playwright's sync API runs an event loop in the test thread; Django's ORM
# calls from that thread are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # argon2 is the production hasher (tests/accounts/test_passwords.py checks
    # it); the rest of the suite doesn't need to pay 100 ms a sign-in.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _own_cache_keys(settings):
    # Throttle counters live in the cache, and Redis (or the cache table written
    # by a live server) outlives a test's transaction: each test counts afresh.
    settings.CACHES = {
        name: {**conf, "KEY_PREFIX": f"{conf.get('KEY_PREFIX', '')}-{uuid.uuid4().hex[:12]}"}
        for name, conf in django_settings.CACHES.items()
    }


@pytest.fixture(autouse=True)
def dns(monkeypatch) -> dict[str, list[str]]:
    """Name resolution for the SSRF guard (hushpost.outbound.addresses) without the
    network: a name a test adds here resolves to its addresses, an IP literal to
    itself, any other name is not found — as on a machine without DNS."""
    table: dict[str, list[str]] = {"localhost": ["127.0.0.1"]}

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        try:
            ipaddress.ip_address(host)
        except ValueError:
            pass
        else:
            return socket.getaddrinfo(host, port, family, type, proto, socket.AI_NUMERICHOST)
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return [
            (
                socket.AF_INET6 if ":" in address else socket.AF_INET,
                socket.SOCK_STREAM,
                socket.IPPROTO_TCP,
                "",
                (address, port),
            )
            for address in table[host]
        ]

    monkeypatch.setattr(addresses, "getaddrinfo", getaddrinfo)
    return table


@pytest.fixture
def receiver():
    """A webhook receiver on a free loopback port (tests/webhook_receiver.py)."""
    from tests.webhook_receiver import WebhookReceiver

    server = WebhookReceiver(free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def feed_server():
    """A calendar feed on a free loopback port (tests/feed_server.py)."""
    from tests.feed_server import FeedServer

    server = FeedServer(free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def org_a(db):
    return Organization.objects.create(
        name="Riverside Clinic",
        company_name="Riverside Clinic",
        slug="riverside",
        time_zone="America/New_York",
        country="US",
    )


@pytest.fixture
def org_b(db):
    return Organization.objects.create(
        name="Harbor Law",
        company_name="Harbor Law LLP",
        slug="harbor",
        time_zone="Europe/London",
        country="GB",
    )


@pytest.fixture
def secure_on(org_a):
    """Riverside Clinic with secure messaging switched on."""
    from hushpost.messaging.models import SecureMessagingSettings

    settings = SecureMessagingSettings.objects.for_org(org_a)
    settings.enabled = True
    settings.save()
    return settings


@pytest.fixture
def alice(org_a):
    return User.objects.create_user(
        "alice@riverside.example",
        PASSWORD,
        first_name="Alice",
        last_name="Lee",
        organization=org_a,
        role=Role.OWNER,
    )


@pytest.fixture
def bob(org_a):
    return User.objects.create_user(
        "bob@riverside.example",
        PASSWORD,
        first_name="Bob",
        last_name="Stone",
        organization=org_a,
        role=Role.MEMBER,
    )


@pytest.fixture
def mallory(org_b):
    return User.objects.create_user(
        "mallory@harbor.example",
        PASSWORD,
        first_name="Mallory",
        last_name="Grey",
        organization=org_b,
        role=Role.OWNER,
    )


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def bob_client(client, bob):
    client.force_login(bob)
    return client


@pytest.fixture
def jane(org_a):
    return Contact.objects.create(
        organization=org_a,
        name="Jane Roe",
        phone="+14155551234",
        email="jane@example.com",
        time_zone="America/Los_Angeles",
        language="en",
    )


@pytest.fixture
def secret_message(jane):
    return add_message(
        jane, SECRET_TEXT, files=[("results.pdf", "application/pdf", b"%PDF-1.4 results")]
    )


@pytest.fixture
def pin_link(jane, secret_message):
    return make_link(jane, secret_message)


@pytest.fixture
def key_a(org_a, alice):
    return create_key(org_a, "Booking system", created_by=alice)


@pytest.fixture
def key_b(org_b, mallory):
    return create_key(org_b, "Harbor CRM", created_by=mallory)


@pytest.fixture
def api(key_a) -> ApiClient:
    """Riverside Clinic's integration."""
    return ApiClient(key_a[1])


@pytest.fixture
def api_b(key_b) -> ApiClient:
    """Harbor Law's integration."""
    return ApiClient(key_b[1])


def free_port() -> int:
    # aiosmtpd refuses port 0, so ask the OS for a free port and hand it over.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Collector:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server (aiosmtpd) on a free port, with MAILERS pointed at it."""
    from aiosmtpd.controller import Controller

    collector = _Collector()
    port = collector.port = free_port()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    try:
        yield collector
    finally:
        controller.stop()


def _chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright. In CI a missing browser fails, never skips."""
    path = _chromium_path()
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed; .ci/run installs it with apt-get")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=path,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-quic",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def signed_in_page(page, alice):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(alice.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Replies waiting").wait_for()  # Home
    return page


@pytest.fixture
def postgres_only():
    if django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        pytest.skip("PostgreSQL only: runs in the PostgreSQL pass of .ci/run")


@pytest.fixture
def twilio_standin(settings):
    """A local Twilio REST API over real HTTP (tests/twilio_standin.py), with the TWILIO_*
    settings pointed at it."""
    from tests.twilio_standin import TwilioStandin

    standin = TwilioStandin(free_port())
    standin.start()
    settings.TWILIO_ACCOUNT_SID = standin.account_sid
    settings.TWILIO_AUTH_TOKEN = standin.auth_token
    settings.TWILIO_FROM_NUMBER = standin.from_number
    settings.TWILIO_MESSAGING_SERVICE_SID = ""
    settings.TWILIO_API_BASE_URL = standin.url
    try:
        yield standin
    finally:
        standin.stop()


@pytest.fixture
def postmark_standin(settings):
    """A local Postmark email API over real HTTP (tests/postmark_standin.py), configured as
    HUSHPOST_EMAIL_ESP=postmark would: anymail's backend in MAILERS, a webhook secret."""
    from hushpost.delivery.esp_settings import esp_configuration
    from tests.postmark_standin import PostmarkStandin

    standin = PostmarkStandin(free_port())
    standin.start()
    env = {"POSTMARK_SERVER_TOKEN": standin.server_token, "POSTMARK_API_URL": standin.url}
    settings.MAILERS, webhook_settings = esp_configuration(
        "postmark", lambda name: env.get(name, "")
    )
    settings.HUSHPOST_EMAIL_ESP = "postmark"
    settings.ANYMAIL = {"WEBHOOK_SECRET": "postmark:webhook-secret-for-tests", **webhook_settings}
    try:
        yield standin
    finally:
        standin.stop()
