"""The security headers on every URL the project has, from the URL conf itself.

Each pattern is filled with real ids (tests/web/test_tenant_isolation.py's
factory, made in our own organization) and requested as whoever it is for:
staff pages as the owner and as a stranger, portal pages inside a portal
session, the API with a key, webhooks and auth pages anonymously; and every
URL is also POSTed with CSRF checks on (refused, so nothing changes). A new
URL is covered as soon as it exists; one with a path parameter this file has
no value for fails with a message saying where to add it.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

import pytest
import requests
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, path
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from hushpost.accounts.api_keys import create_key
from hushpost.accounts.models import User
from hushpost.contacts.models import Contact
from hushpost.imports.models import ImportRun
from hushpost.messaging.links import create_link
from hushpost.messaging.models import Attachment
from tests.conftest import PASSWORD
from tests.real_web import start_web
from tests.web.test_tenant_isolation import their_objects

pytestmark = pytest.mark.django_db

PUBLIC_PREFIXES = ("accounts/", "webhooks/", "o/", "u/", ".well-known/")


def every_route(resolver=None, prefix=""):
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            yield from every_route(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern)


def fill(route: str, values: dict) -> str:
    url = re.sub(r"\^.*\$$", "no-such-thing", route)  # a regex catch-all
    url = re.sub(r"<path:\w+>", "no/such/thing", url)

    def value(match):
        name = match.group(2)
        assert name in values, (
            f"/{route}: no value for <{name}>; add one to values() "
            "in tests/project/test_headers_everywhere.py"
        )
        return str(values[name])

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", value, url)


@pytest.fixture
def values(org_a, alice, secure_on):
    ids = their_objects(org_a, alice)
    # The factory's import has no file; a real one always has its upload.
    contact_import = ImportRun.objects.get(pk=ids["run_id"])
    ids["import_id"] = ids["run_id"]  # the API's name for it
    contact_import.content = "name\nJane Roe\n"
    contact_import.save()
    contact = Contact.objects.get(pk=ids["contact_id"])
    attachment = Attachment.objects.get(pk=ids["attachment_id"])
    _, token = create_link(
        contact=contact, message=attachment.message, channel="email", lifetime=timedelta(days=1)
    )
    return {
        **ids,
        "user_id": alice.pk,
        "token": token,
        "uidb64": urlsafe_base64_encode(force_bytes(alice.pk)),
        "esp": "postmark",
        "message_id": attachment.message_id,
        "field_key": "case_no",
        "external_id": "booking-1",
        "rest": "no/such/thing",
    }


def who_asks(route: str, clients: dict) -> list[Client]:
    if route.startswith("api/v1/"):
        return [clients["api"]]
    if route.startswith("s/"):
        return [clients["portal"]]
    if route.startswith(PUBLIC_PREFIXES) or route == "":
        return [clients["anonymous"]] + ([clients["staff"]] if route == "" else [])
    return [clients["staff"], clients["anonymous"]]


@pytest.fixture
def clients(alice, org_a, values):
    staff = Client()
    staff.force_login(alice)
    portal = Client()
    assert (
        portal.post(f"/s/{values['token']}").status_code == 302
    )  # a portal session on the factory's contact
    _, key = create_key(org_a, "Headers check", created_by=alice)
    return {
        "staff": staff,
        "anonymous": Client(),
        "portal": portal,
        "api": Client(headers={"Authorization": f"Bearer {key}"}),
    }


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def check_headers(what: str, response: HttpResponse, *, portal: bool) -> None:
    assert "no-store" in response.get("Cache-Control", ""), (
        f"{what}: Cache-Control {response.get('Cache-Control')!r}"
    )
    assert response.get("X-Content-Type-Options") == "nosniff", what
    assert response.get("X-Frame-Options") == "DENY", what
    allowed = ("no-referrer",) if portal else ("no-referrer", "same-origin")
    assert response.get("Referrer-Policy") in allowed, (
        f"{what}: Referrer-Policy {response.get('Referrer-Policy')!r}"
    )
    header = response.get("Content-Security-Policy")
    assert header, f"{what}: no Content-Security-Policy"
    csp = csp_directives(header)
    scripts = csp.get("script-src", csp.get("default-src"))
    assert scripts is not None, f"{what}: CSP says nothing about scripts: {header}"
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, f"{what}: {header}"
    assert set(scripts) <= {"'self'", "'none'"} | {s for s in scripts if s.startswith("'nonce-")}, (
        f"{what}: {header}"
    )
    assert csp.get("frame-ancestors") == ["'none'"], f"{what}: frame-ancestors in {header}"
    if "text/html" in response.get("Content-Type", "") and not response.streaming:
        nonces = {s[len("'nonce-") : -1] for s in scripts if s.startswith("'nonce-")}
        html = response.content.decode(errors="replace")
        for tag in re.findall(r"<script\b[^>]*>", html, flags=re.IGNORECASE):
            if re.search(r'\btype="application/(?:ld\+)?json"', tag):
                continue  # data, which browsers never run
            nonce = re.search(r'\bnonce="([^"]*)"', tag)
            src = re.search(r'\bsrc="([^"]*)"', tag)
            external_self = (
                src is not None
                and src.group(1).startswith("/")
                and not src.group(1).startswith("//")
            )
            assert (nonce and nonce.group(1) in nonces) or (
                external_self and "'self'" in scripts
            ), f"{what}: {tag} runs without the page's nonce"


def test_every_url_carries_the_security_headers(values, clients):
    seen = set()
    for route in every_route():
        url = fill(route, values)
        for client in who_asks(route, clients):
            portal = route.startswith("s/")
            response = client.get(url)
            check_headers(f"GET {url} ({response.status_code})", response, portal=portal)
            seen.add(response.status_code)
            strict = Client(enforce_csrf_checks=True)
            if client is clients["staff"]:
                strict.force_login(User.objects.get(pk=values["user_id"]))
            response = strict.post(url)
            check_headers(f"POST {url} ({response.status_code})", response, portal=portal)
            seen.add(response.status_code)
    assert {200, 302, 403, 404, 405} <= seen, seen


def boom(request):
    raise RuntimeError("a bug")


urlpatterns = [path("boom/", boom), path("s/boom/", boom), path("api/v1/boom", boom)]


@pytest.mark.parametrize(
    "url, portal", [("/boom/", False), ("/s/boom/", True), ("/api/v1/boom", False)]
)
def test_server_errors_carry_them_too(settings, client, url, portal):
    settings.ROOT_URLCONF = __name__
    client.raise_request_exception = False
    response = client.get(url)
    assert response.status_code == 500
    check_headers(f"500 at {url}", response, portal=portal)


def test_a_members_refusal_and_unknown_pages_carry_them(bob_client, client):
    for url in ("/settings/api-keys/", "/no-such-page/", "/s/no/such/page"):
        response = bob_client.get(url)
        assert response.status_code in (403, 404), url
        check_headers(f"{url} as a member", response, portal=url.startswith("/s/"))
    response = client.get("/static/web/no-such-file.css")
    assert response.status_code == 404
    check_headers("a missing static file", response, portal=False)


@pytest.mark.django_db(transaction=True)
def test_in_production_hsts_and_every_cookie_is_secure_httponly_samesite(
    tmp_path, org_a, secure_on, alice
):
    """A real production-mode `hushpost web` behind a TLS proxy (X-Forwarded-Proto: https,
    as the docs deploy it)."""
    alice.password = Argon2PasswordHasher().encode(PASSWORD, Argon2PasswordHasher().salt())
    alice.save()
    contact = Contact.objects.create(organization=org_a, name="Jane Roe", email="jane@example.com")
    _, token = create_link(
        contact=contact, message=None, channel="email", lifetime=timedelta(days=1)
    )
    web = start_web(
        tmp_path,
        workers=1,
        env={
            "HUSHPOST_ENV": "production",
            "HUSHPOST_SECRET_KEY": secrets.token_urlsafe(50),
            "HUSHPOST_ALLOWED_HOSTS": "127.0.0.1,hushpost.test",
            "HUSHPOST_BASE_URL": "https://hushpost.test",
            "HUSHPOST_KEYS": "k1:" + "A" * 43,
            "HUSHPOST_SSL_REDIRECT": "false",
            "HUSHPOST_DATA_DIR": str(tmp_path),
            "HUSHPOST_SECURITY_CONTACT": "psirt@hushpost.test",
            "HUSHPOST_CHANNELS": "email",
            "HUSHPOST_TRUSTED_PROXIES": "127.0.0.1",
            "SMTP_HOST": "127.0.0.1",
        },
    )
    proxy = {"Host": "hushpost.test", "X-Forwarded-Proto": "https"}
    origin = {"Origin": "https://hushpost.test", "Referer": "https://hushpost.test/"}
    try:
        login = requests.get(web.url + "/accounts/login/", headers=proxy, timeout=10)
        assert (
            login.headers["Strict-Transport-Security"]
            == "max-age=31536000; includeSubDomains; preload"
        )
        csrf = set_cookie(login, "csrftoken")
        signed_in = requests.post(
            web.url + "/accounts/login/",
            allow_redirects=False,
            timeout=10,
            headers={**proxy, **origin, "Cookie": f"csrftoken={csrf['value']}"},
            data={
                "csrfmiddlewaretoken": csrf["value"],
                "username": alice.email,
                "password": PASSWORD,
            },
        )
        assert signed_in.status_code == 302, signed_in.text[:500]
        session = set_cookie(signed_in, "sessionid")

        page = requests.get(f"{web.url}/s/{token}", headers=proxy, timeout=10)
        assert page.headers["Strict-Transport-Security"].startswith("max-age=31536000")
        portal_csrf = set_cookie(page, "csrftoken")
        opened = requests.post(
            f"{web.url}/s/{token}",
            allow_redirects=False,
            timeout=10,
            headers={
                **proxy,
                "Origin": "https://hushpost.test",
                "Cookie": f"csrftoken={portal_csrf['value']}",
            },
            data={"csrfmiddlewaretoken": portal_csrf["value"]},
        )
        assert opened.status_code == 302, opened.text[:500]
        portal = set_cookie(opened, "hushpost_portal")
    finally:
        web.stop()
    for cookie in (csrf, session, portal_csrf, portal):
        assert cookie["secure"] and cookie["httponly"], cookie
        assert cookie["samesite"] in ("lax", "strict"), cookie


def set_cookie(response, name: str) -> dict:
    """The named Set-Cookie of a response, with its attributes (requests folds them away)."""
    for header in response.raw.headers.getlist("Set-Cookie"):
        parts = [part.strip() for part in header.split(";")]
        key, _, value = parts[0].partition("=")
        if key == name:
            attributes = {
                part.partition("=")[0].lower(): part.partition("=")[2].lower() for part in parts[1:]
            }
            return {
                "value": value,
                "secure": "secure" in attributes,
                "httponly": "httponly" in attributes,
                "samesite": attributes.get("samesite", ""),
            }
    raise AssertionError(f"no {name} cookie set: {response.raw.headers.getlist('Set-Cookie')}")
