"""Guessing PINs through the real HTTP stack: a `hushpost web` process, keep-alive connections.

10,000 wrong PINs against one link, then 10,000 spread across every link of
another contact from ten client addresses, then one address trying many
contacts: 0 successes, each link locked after 5 wrong, every client throttled
per contact and per IP with 429 + Retry-After, and the throttled answers check
no PIN at all (the wrong-PIN events stop growing). Loopback has a whole /8, so
"other addresses" are real source addresses (127.a.b.c), not a header.
"""

from __future__ import annotations

import http.client
import secrets
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode, urlsplit

import pytest

from hushpost.activity.models import Event, EventKind
from hushpost.contacts.models import Contact
from hushpost.messaging.links import CONTACT_PIN_FAILURES, MAX_PIN_ATTEMPTS, token_hash
from hushpost.messaging.models import SecureLink
from hushpost.portal.throttle import IP_FAILURES
from tests.portal.conftest import add_message, make_link
from tests.real_web import start_web

pytestmark = pytest.mark.django_db(transaction=True)

PIN = "4821"
CSRF = (
    "b" * 32
)  # the attacker's own CSRF cookie and the same value in the form: both are theirs to pick


def fresh_net() -> str:
    """A 127.a.b. prefix of our own: counters from other tests and runs (Redis keeps
    them) never meet ours."""
    return f"127.{secrets.randbelow(254) + 1}.{secrets.randbelow(256)}."


class Client:
    """One keep-alive connection from one source address."""

    def __init__(self, url: str, source: str = "127.0.0.1"):
        parts = urlsplit(url)
        self.connection = http.client.HTTPConnection(
            parts.hostname, parts.port, timeout=10, source_address=(source, 0)
        )

    def post_pin(self, token: str, pin: str, **headers) -> tuple[int, dict, str]:
        body = urlencode({"csrfmiddlewaretoken": CSRF, "pin": pin})
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={CSRF}",
            **headers,
        }
        try:
            self.connection.request("POST", f"/s/{token}", body=body, headers=headers)
            response = self.connection.getresponse()
        except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
            # The server closed an idle keep-alive connection before this
            # request reached it: reconnect.
            self.connection.close()
            self.connection.request("POST", f"/s/{token}", body=body, headers=headers)
            response = self.connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode()

    def close(self):
        self.connection.close()


@pytest.fixture(scope="module")
def web(django_db_setup, tmp_path_factory):
    server = start_web(tmp_path_factory.mktemp("web"))
    yield server
    server.stop()


def contact_with_links(org, name: str, count: int, phone_tail: int) -> tuple[Contact, list[str]]:
    contact = Contact.objects.create(
        organization=org, name=name, phone=f"+1415555{phone_tail:04d}", language="en"
    )
    message = add_message(contact, f"Results for {name}")
    return contact, [make_link(contact, message, pin=PIN)[1] for _ in range(count)]


def wrong_pin() -> str:
    while (guess := f"{secrets.randbelow(10_000):04d}") == PIN:
        pass
    return guess


def hammer(
    url: str, attempts: list[tuple[str, str, str]], threads: int = 4
) -> list[tuple[int, dict, str]]:
    """Send (source address, token, pin) attempts on keep-alive connections, several at a
    time; answers in order."""
    chunks = [attempts[i::threads] for i in range(threads)]

    def run(chunk):
        clients: dict[str, Client] = {}
        answers = []
        for source, token, pin in chunk:
            client = clients.setdefault(source, Client(url, source))
            # A forged X-Forwarded-For on every request: the app must not believe it.
            answers.append(
                client.post_pin(
                    token, pin, **{"X-Forwarded-For": f"10.{secrets.randbelow(256)}.0.1"}
                )
            )
        for client in clients.values():
            client.close()
        return answers

    with ThreadPoolExecutor(threads) as pool:
        results = list(pool.map(run, chunks))
    ordered = []
    for i in range(len(attempts)):
        ordered.append(results[i % threads][i // threads])
    return ordered


def successes(answers) -> int:
    return sum(
        1
        for status, headers, _ in answers
        if status == 302 and "/s/conversation/" in headers.get("Location", "")
    )


def assert_throttled(status: int, headers: dict, page: str) -> None:
    assert status == 429
    assert int(headers["Retry-After"]) > 0
    assert "Too many tries" in page and "Please try again in" in page
    assert (
        headers["Cache-Control"].startswith("max-age=0") or "no-store" in headers["Cache-Control"]
    )


def test_ten_thousand_wrong_pins_on_one_link_unlock_nothing(web, org_a):
    jane, (token,) = contact_with_links(org_a, "Jane Roe", 1, 1)
    address = fresh_net() + "1"
    client = Client(web.url, address)
    first = [client.post_pin(token, wrong_pin()) for _ in range(IP_FAILURES + 1)]
    client.close()
    # Four "wrong, n tries left", the fifth locks, then the locked page until this address's limit.
    assert [status for status, _, _ in first[: MAX_PIN_ATTEMPTS - 1]] == [400] * (
        MAX_PIN_ATTEMPTS - 1
    )
    assert "1 try left" in first[MAX_PIN_ATTEMPTS - 2][2]
    assert all(
        "This link is locked" in page for _, _, page in first[MAX_PIN_ATTEMPTS - 1 : IP_FAILURES]
    )
    assert_throttled(*first[IP_FAILURES])

    rest = hammer(web.url, [(address, token, wrong_pin()) for _ in range(10_000 - len(first))])
    for answer in rest:
        assert_throttled(*answer)
    assert successes(first + rest) == 0
    # The right PIN is not even looked at now.
    client = Client(web.url, address)
    assert_throttled(*client.post_pin(token, PIN))
    client.close()

    link = SecureLink.objects.get(contact=jane)
    assert link.locked_at is not None and link.failed_pin_attempts == MAX_PIN_ATTEMPTS
    assert Event.objects.filter(contact=jane, kind=EventKind.PIN_WRONG).count() == MAX_PIN_ATTEMPTS
    assert Event.objects.filter(contact=jane, kind=EventKind.LINK_LOCKED).count() == 1
    assert not Event.objects.filter(contact=jane, kind=EventKind.PIN_ENTERED).exists()


def test_ten_thousand_wrong_pins_across_a_contacts_links_from_ten_addresses(web, org_a):
    ken, tokens = contact_with_links(org_a, "Ken Park", 4, 2)
    net = fresh_net()
    attempts = [
        (f"{net}{2 + i // 1000}", tokens[i % len(tokens)], wrong_pin()) for i in range(10_000)
    ]
    answers = hammer(web.url, attempts)
    assert successes(answers) == 0
    for status, headers, page in answers:
        if status == 429:
            assert_throttled(status, headers, page)
        else:
            assert (
                status == 400 and "That PIN is not right" in page
            ) or "This link is locked" in page
    # Whatever the address, only the contact's limit of PINs was ever compared.
    assert (
        Event.objects.filter(contact=ken, kind=EventKind.PIN_WRONG).count() == CONTACT_PIN_FAILURES
    )
    links = list(SecureLink.objects.filter(contact=ken))
    assert sum(link.failed_pin_attempts for link in links) == CONTACT_PIN_FAILURES
    assert all(
        (link.failed_pin_attempts == MAX_PIN_ATTEMPTS) == (link.locked_at is not None)
        for link in links
    )
    assert sum(1 for status, _, _ in answers if status == 400) <= CONTACT_PIN_FAILURES
    # The contact's own right PIN waits too, from a fresh address, on a link that is not locked.
    unlocked = next(
        raw
        for raw in tokens
        if SecureLink.objects.get(token_hash=token_hash(raw)).locked_at is None
    )
    client = Client(web.url, f"{net}250")
    assert_throttled(*client.post_pin(unlocked, PIN))
    client.close()


def test_one_address_trying_many_contacts_is_throttled_per_ip(web, org_a):
    per_contact = MAX_PIN_ATTEMPTS - 1  # below every per-link and per-contact limit
    contacts = [
        contact_with_links(org_a, f"Person {n}", 1, 100 + n)
        for n in range(IP_FAILURES // per_contact + 2)
    ]
    net = fresh_net()
    attacker = f"{net}77"
    attempts = [
        (attacker, tokens[0], wrong_pin()) for _, tokens in contacts for _ in range(per_contact)
    ]
    attempts += [
        (attacker, secrets.token_urlsafe(32), "0000") for _ in range(200)
    ]  # made-up links count too
    answers = hammer(web.url, attempts, threads=1)
    assert successes(answers) == 0
    assert [status for status, _, _ in answers[:IP_FAILURES]] == [400] * IP_FAILURES
    for answer in answers[IP_FAILURES:]:
        assert_throttled(*answer)
    assert Event.objects.filter(kind=EventKind.PIN_WRONG).count() == IP_FAILURES
    assert not SecureLink.objects.filter(locked_at__isnull=False).exists()

    # Even the right PIN from that address waits, whatever X-Forwarded-For says; from
    # another address it works.
    _, (last_token,) = contacts[-1]
    client = Client(web.url, attacker)
    assert_throttled(*client.post_pin(last_token, PIN, **{"X-Forwarded-For": "203.0.113.9"}))
    client.close()
    other = Client(web.url, f"{net}78")
    status, headers, _ = other.post_pin(last_token, PIN)
    other.close()
    assert status == 302 and headers["Location"].startswith("/s/conversation/")
