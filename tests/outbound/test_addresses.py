"""The SSRF guard: which URLs may be called on a customer's behalf, and why not."""

import ipaddress

import pytest

from hushpost.outbound.addresses import check_url, why_not_public
from hushpost.outbound.errors import AddressNotFound, AddressRefused

STRICT = {"allow_private": False, "require_https": True}


@pytest.mark.parametrize(
    "address, kind",
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("169.254.169.254", "link-local"),
        ("fe80::1", "link-local"),
        ("10.0.0.5", "private"),
        ("172.16.4.2", "private"),
        ("192.168.1.1", "private"),
        ("100.64.0.1", "private"),
        ("fc00::1", "private"),
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("198.18.0.1", "private"),
        # IPv4 inside IPv6 is judged as the IPv4 it carries.
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:169.254.169.254", "link-local"),
        ("2002:a00:1::1", "private"),  # 6to4 of 10.0.0.1
        ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 of 169.254.169.254
    ],
)
def test_addresses_inside_networks_are_named_for_what_they_are(address, kind):
    assert kind in why_not_public(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address", ["93.184.215.14", "2606:4700::6810:84e5", "::ffff:93.184.215.14", "64:ff9b::808:808"]
)
def test_public_addresses_pass(address):
    assert why_not_public(ipaddress.ip_address(address)) is None


def test_a_loopback_url_is_refused_in_production_mode():
    with pytest.raises(AddressRefused, match=r"127\.0\.0\.1 is a loopback address"):
        check_url("https://127.0.0.1:8443/hooks", **STRICT)


def test_the_cloud_metadata_address_is_refused():
    with pytest.raises(AddressRefused, match=r"169\.254\.169\.254 is a link-local address"):
        check_url("https://169.254.169.254/latest/meta-data/", **STRICT)


def test_a_name_that_resolves_to_a_private_address_is_refused(dns):
    dns["hooks.internal.example"] = ["10.1.2.3"]
    with pytest.raises(
        AddressRefused,
        match=r"hooks.internal.example resolves to 10.1.2.3, which is a private address",
    ):
        check_url("https://hooks.internal.example/x", **STRICT)


def test_one_private_address_among_public_ones_is_enough_to_refuse(dns):
    dns["mixed.example"] = ["93.184.215.14", "127.0.0.1"]
    with pytest.raises(AddressRefused, match="loopback"):
        check_url("https://mixed.example/", **STRICT)


def test_a_public_name_gives_its_checked_addresses(dns):
    dns["ehr.example"] = ["93.184.215.14", "2606:4700::6810:84e5"]
    target = check_url("https://ehr.example:8443/hooks/in?x=1", **STRICT)
    assert (target.scheme, target.host, target.port, target.path) == (
        "https",
        "ehr.example",
        8443,
        "/hooks/in?x=1",
    )
    assert target.addresses == ("93.184.215.14", "2606:4700::6810:84e5")


def test_private_addresses_pass_when_allowed(dns):
    target = check_url("http://127.0.0.1:9000/hooks", allow_private=True, require_https=False)
    assert target.addresses == ("127.0.0.1",)


@pytest.mark.parametrize(
    "url, message",
    [
        ("http://ehr.example/hooks", "Use an https:// address"),
        ("ftp://ehr.example/", "starts with https://"),
        ("https://user:pw@ehr.example/", "Leave the user name and password out"),
        ("https:///path-only", "no host name"),
        ("https://ehr.example:99999/", "port"),
        ("", "Give the address"),
        ("https://ehr.example/a b", "spaces"),
        ("https://" + "a" * 2000 + ".example/", "at most 2000"),
    ],
)
def test_malformed_urls_are_refused_saying_what_to_fix(url, message):
    with pytest.raises(AddressRefused, match=message):
        check_url(url, **STRICT)


def test_a_name_that_does_not_resolve_says_so():
    with pytest.raises(AddressNotFound, match="could not be found"):
        check_url("https://no-such-host.example/", **STRICT)
