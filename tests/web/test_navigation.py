"""The staff menu grouped by job, with the unread count on Inbox; on a phone it
folds into a <details> that opens without JavaScript. A skip link comes first,
every page names its icon, and /favicon.ico finds it."""

import re

import pytest

from tests.web.test_inbox import contact, enable_secure, reply, secure_message

pytestmark = pytest.mark.django_db

GROUPS = {
    "Daily work": ["Home", "Inbox", "Appointments", "Contacts", "Compose"],
    "Messaging set-up": ["Auto messages", "Secure messaging", "Confirmations", "Fields"],
    "Records": ["Activity", "Deliveries", "Audit", "Development outbox"],
    "Administration": [
        "Users",
        "Organization",
        "Security",
        "API keys",
        "Calendar feeds",
        "Webhooks",
    ],
}


GROUP = re.compile(r'class="nav-group"[^>]*>([^<]+)</p>\s*<ul[^>]*>(.*?)</ul>', re.S)
LINK_TEXT = re.compile(r"<a [^>]*>([^<]+)")


def menu(html: str) -> dict[str, list[str]]:
    """The side menu's groups and the words of their links, in order."""
    side = html.split('<aside class="sidenav">', 1)[1].split("</aside>", 1)[0]
    return {
        name: [text.strip() for text in LINK_TEXT.findall(links)]
        for name, links in GROUP.findall(side)
    }


def test_the_owner_sees_four_groups_in_the_order_of_the_work(alice_client):
    assert menu(alice_client.get("/").content.decode()) == GROUPS


def test_a_member_sees_no_audit_organization_or_keys(bob_client):
    groups = menu(bob_client.get("/").content.decode())
    assert "Audit" not in groups["Records"]
    assert "Confirmations" not in groups["Messaging set-up"]
    assert groups["Administration"] == ["Users", "Security"]


def test_the_current_page_is_marked(alice_client):
    html = alice_client.get("/appointments/").content.decode()
    assert 'href="/appointments/" aria-current="page">Appointments</a>' in html


def test_inbox_carries_the_unread_count(alice_client, org_a, alice):
    enable_secure(org_a)
    jane = contact(org_a, "Jane Roe", phone="+14155550100")
    first = secure_message(org_a, jane, alice)
    reply(first, "One")
    reply(first, "Two")
    html = alice_client.get("/contacts/").content.decode()
    assert (
        'Inbox <span class="count" data-unread="2">2'
        '<span class="visually-hidden"> unread replies</span>'
    ) in html
    alice_client.get(f"/inbox/{jane.pk}/")  # read them
    assert "data-unread" not in alice_client.get("/contacts/").content.decode()


def test_on_a_phone_the_menu_is_a_details_element_and_the_skip_link_comes_first(alice_client):
    html = alice_client.get("/").content.decode()
    body = html.split("<body>", 1)[1].lstrip()
    assert body.startswith('<a href="#content" class="skip-link">Skip to content</a>')
    assert '<main class="content" id="content" tabindex="-1">' in html
    details = html.split('<details class="phone-menu">', 1)[1].split("</details>", 1)[0]
    assert "<summary>Menu</summary>" in details and 'href="/inbox/"' in details
    # Two copies of the menu, each with its own ids.
    assert 'id="phone-nav-daily"' in html and 'id="side-nav-daily"' in html


def test_every_staff_page_names_its_icon_and_the_default_icon_url_finds_it(alice_client, client):
    assert '<link rel="icon" href="/static/web/favicon.svg" type="image/svg+xml">' in (
        alice_client.get("/").content.decode()
    )
    response = client.get("/favicon.ico")
    assert response.status_code == 302 and response["Location"] == "/static/web/favicon.svg"
    assert client.get("/static/web/favicon.svg").status_code == 200


def test_the_sign_in_page_has_the_skip_link_but_no_menu(client):
    html = client.get("/accounts/login/").content.decode()
    assert "Skip to content" in html and "phone-menu" not in html and "sidenav" not in html
