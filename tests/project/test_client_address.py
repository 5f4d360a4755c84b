"""HUSHPOST_TRUSTED_PROXIES: forwarded headers count only from trusted proxies, for the
client's address (sign-in and PIN limits, the audit log) and for https detection."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from hushpost.activity.models import Event, EventKind
from hushpost.client_address import client_ip, forwarded_scheme
from hushpost.portal.throttle import IP_FAILURES
from tests.project.test_production_settings import hushpost, production_env

PROXY = "127.0.0.1"
CLIENT = "203.0.113.7"


def request(peer=PROXY, **headers):
    return RequestFactory().get("/", REMOTE_ADDR=peer, **headers)


@pytest.fixture
def behind_proxy(settings):
    settings.HUSHPOST_TRUSTED_PROXIES = [PROXY, "10.0.0.0/8", "2001:db8:1::/48"]
    return settings


def test_with_no_trusted_proxy_the_client_is_the_peer_whatever_it_sends(settings):
    settings.HUSHPOST_TRUSTED_PROXIES = []
    spoofed = request(
        peer=CLIENT,
        HTTP_X_FORWARDED_FOR="198.51.100.1",
        HTTP_FORWARDED="for=198.51.100.2",
        HTTP_X_FORWARDED_PROTO="https",
    )
    assert client_ip(spoofed) == CLIENT
    assert forwarded_scheme(spoofed) == ""


def test_a_trusted_proxy_names_the_client(behind_proxy):
    assert client_ip(request(HTTP_X_FORWARDED_FOR=CLIENT)) == CLIENT


def test_what_the_client_wrote_left_of_the_proxy_is_ignored(behind_proxy):
    # The client sent "X-Forwarded-For: 198.51.100.1"; the proxy appended the real peer.
    assert client_ip(request(HTTP_X_FORWARDED_FOR=f"198.51.100.1, {CLIENT}")) == CLIENT


def test_a_chain_of_trusted_proxies_is_walked_to_the_rightmost_untrusted_hop(behind_proxy):
    chained = request(HTTP_X_FORWARDED_FOR=f"198.51.100.1, {CLIENT}, 10.1.2.3, 10.9.9.9")
    assert client_ip(chained) == CLIENT


def test_when_every_hop_is_trusted_the_farthest_is_the_client(behind_proxy):
    assert client_ip(request(HTTP_X_FORWARDED_FOR="10.1.2.3, 10.4.5.6")) == "10.1.2.3"


def test_an_unreadable_hop_stops_the_walk_at_the_last_readable_address(behind_proxy):
    assert client_ip(request(HTTP_X_FORWARDED_FOR=f"{CLIENT}, unknown")) == PROXY
    assert client_ip(request(HTTP_X_FORWARDED_FOR=f"{CLIENT}, unknown, 10.1.2.3")) == "10.1.2.3"


def test_the_forwarded_header_with_ports_and_ipv6(behind_proxy):
    forwarded = request(HTTP_FORWARDED=f'for="[2001:db8:cafe::17]:4711";proto=https, for={CLIENT}')
    assert client_ip(forwarded) == CLIENT
    assert client_ip(request(HTTP_FORWARDED='for="[2001:db8:cafe::17]:4711"')) == (
        "2001:db8:cafe::17"
    )
    assert client_ip(request(HTTP_FORWARDED=f"for={CLIENT}:51234")) == CLIENT


def test_x_forwarded_for_wins_over_forwarded(behind_proxy):
    both = request(HTTP_X_FORWARDED_FOR=CLIENT, HTTP_FORWARDED="for=198.51.100.9")
    assert client_ip(both) == CLIENT


def test_an_ipv6_proxy_network_and_an_ipv4_mapped_peer(behind_proxy):
    assert client_ip(request(peer="2001:db8:1::5", HTTP_X_FORWARDED_FOR=CLIENT)) == CLIENT
    assert client_ip(request(peer="::ffff:127.0.0.1", HTTP_X_FORWARDED_FOR=CLIENT)) == CLIENT


def test_https_only_on_a_trusted_proxys_word(behind_proxy):
    assert forwarded_scheme(request(HTTP_X_FORWARDED_PROTO="https")) == "https"
    assert forwarded_scheme(request(HTTP_X_FORWARDED_PROTO="http")) == "http"
    assert forwarded_scheme(request(HTTP_FORWARDED=f"for={CLIENT};proto=https")) == "https"
    assert forwarded_scheme(request(HTTP_X_FORWARDED_PROTO="gopher")) == ""
    assert forwarded_scheme(request(peer=CLIENT, HTTP_X_FORWARDED_PROTO="https")) == ""


@pytest.fixture
def ssl_redirect(settings):
    settings.SECURE_SSL_REDIRECT = True
    return settings


def test_a_client_claiming_https_is_still_redirected(ssl_redirect, client):
    ssl_redirect.HUSHPOST_TRUSTED_PROXIES = []
    response = client.get("/accounts/login/", REMOTE_ADDR=CLIENT, HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 301
    assert response["Location"].startswith("https://")


def test_a_trusted_proxy_saying_https_is_believed(ssl_redirect, client, behind_proxy):
    response = client.get("/accounts/login/", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200


@pytest.mark.django_db
def test_sign_in_failures_count_per_client_behind_the_proxy(client, alice, behind_proxy):
    behind_proxy.HUSHPOST_SIGNIN_IP_FAILURES = 3
    behind_proxy.HUSHPOST_SIGNIN_ACCOUNT_FAILURES = 100

    def sign_in(forwarded_for):
        return client.post(
            "/accounts/login/",
            {"username": alice.email, "password": "wrong"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR=forwarded_for,
        )

    for _ in range(3):
        sign_in(CLIENT)
    assert sign_in(CLIENT).status_code == 429
    # Another client behind the same proxy is not locked with it ...
    assert sign_in("198.51.100.20").status_code == 200
    # ... and the locked one can't get out by writing another address in front.
    assert sign_in(f"198.51.100.21, {CLIENT}").status_code == 429
    # The audit log names the client, never the proxy or what a client wrote.
    failures = Event.objects.filter(kind=EventKind.SIGN_IN_FAILED)
    assert {event.detail["ip"] for event in failures} == {CLIENT, "198.51.100.20"}


@pytest.mark.django_db
def test_a_client_rotating_x_forwarded_for_without_a_trusted_proxy_stays_locked(client, settings):
    settings.HUSHPOST_TRUSTED_PROXIES = []
    unknown = "/s/" + "A" * 43
    for number in range(IP_FAILURES):
        client.post(
            unknown,
            {"pin": "0000"},
            REMOTE_ADDR=CLIENT,
            HTTP_X_FORWARDED_FOR=f"198.51.100.{number}",
        )
    locked = client.post(
        unknown, {"pin": "0000"}, REMOTE_ADDR=CLIENT, HTTP_X_FORWARDED_FOR="198.51.100.250"
    )
    assert locked.status_code == 429


def test_a_malformed_trusted_proxy_list_stops_start_up(tmp_path):
    result = hushpost(
        "manage",
        "check",
        env_overrides=production_env(HUSHPOST_TRUSTED_PROXIES="127.0.0.1,proxy.internal"),
        tmp_path=tmp_path,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "hushpost: HUSHPOST_TRUSTED_PROXIES has 'proxy.internal', which is not an IP address "
        "or network: write addresses or CIDRs, e.g. 127.0.0.1,10.0.0.0/8."
    ]
