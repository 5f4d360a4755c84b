"""Staff revoke a contact's links from the contact's page: a list, a confirm step, a
POST, the audit event."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from hushpost.activity.models import Event, EventKind
from hushpost.contacts.models import Contact
from hushpost.messaging.links import LinkState, link_state
from hushpost.messaging.models import SecureLink
from tests.portal.conftest import make_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def links(jane, secret_message):
    return [
        make_link(jane, secret_message),
        make_link(jane, secret_message, lifetime=timedelta(seconds=-1)),
    ]


def test_the_contact_page_lists_live_links_without_their_tokens(alice_client, jane, links):
    html = alice_client.get(f"/contacts/{jane.pk}/").content.decode()
    section = html.split('id="links"', 1)[1].split("</section>", 1)[0]
    assert (
        section.split("<tbody>")[1].count("<tr>") == 2
        and "Works" in section
        and "Expired" in section
        and "Text message" in section
    )
    assert "Revoke all links" in section
    for link, raw in links:
        assert raw not in html and link.token_hash not in html and link.pin_hmac not in html
        assert f"/contacts/{jane.pk}/links/{link.pk}/revoke/" in section


def test_the_conversation_page_points_to_the_links(alice_client, jane, links):
    assert (
        f'href="/contacts/{jane.pk}/#links"'
        in alice_client.get(f"/inbox/{jane.pk}/").content.decode()
    )


def test_a_get_only_asks_and_a_post_revokes_one_link(client, bob, jane, links):
    client.force_login(bob)  # any staff member may end a link: it only ever makes things safer
    (link, _), (other, _) = links
    url = f"/contacts/{jane.pk}/links/{link.pk}/revoke/"
    page = client.get(url)
    assert page.status_code == 200 and "Revoke this link of Jane Roe?" in page.content.decode()
    assert link_state(SecureLink.objects.get(pk=link.pk)) == LinkState.VALID
    response = client.post(url, REMOTE_ADDR="203.0.113.40")
    assert response.status_code == 302 and response["Location"] == f"/contacts/{jane.pk}/#links"
    assert link_state(SecureLink.objects.get(pk=link.pk)) == LinkState.REVOKED
    assert link_state(SecureLink.objects.get(pk=other.pk)) == LinkState.EXPIRED
    event = Event.objects.get(kind=EventKind.LINK_REVOKED)
    assert (event.actor, event.link_id, event.detail) == (bob, link.pk, {"ip": "203.0.113.40"})
    assert "is revoked" in client.get(response["Location"]).content.decode()
    assert "was revoked on" in client.get(url).content.decode()


def test_revoke_all_asks_with_the_count_then_ends_them_all(alice_client, alice, jane, links):
    url = f"/contacts/{jane.pk}/links/revoke/"
    assert "Revoke 2 links" in alice_client.get(url).content.decode()
    assert not SecureLink.objects.filter(revoked_at__isnull=False).exists()
    response = alice_client.post(url, REMOTE_ADDR="203.0.113.41")
    assert response.status_code == 302
    assert not SecureLink.objects.filter(contact=jane, revoked_at__isnull=True).exists()
    event = Event.objects.get(kind=EventKind.LINK_REVOKED)
    assert (event.actor, event.contact, event.detail) == (
        alice,
        jane,
        {"links": 2, "ip": "203.0.113.41"},
    )
    after = alice_client.get(response["Location"]).content.decode()
    assert "2 links of Jane Roe revoked" in after and "No live links" in after
    assert "has no live links" in alice_client.get(url).content.decode()


def test_the_post_needs_a_csrf_token(jane, links, alice):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(f"/contacts/{jane.pk}/links/revoke/").status_code == 403
    assert not SecureLink.objects.filter(revoked_at__isnull=False).exists()


def test_another_organizations_contact_or_link_is_not_found(
    client, mallory, org_a, org_b, jane, links
):
    client.force_login(mallory)
    link, _ = links[0]
    harbor_contact = Contact.objects.create(
        organization=org_b, name="Hidden Person", phone="+447700900123"
    )
    for url in (
        f"/contacts/{jane.pk}/links/revoke/",
        f"/contacts/{jane.pk}/links/{link.pk}/revoke/",
        f"/contacts/{harbor_contact.pk}/links/{link.pk}/revoke/",
        f"/contacts/{jane.pk}/links/{uuid.uuid4()}/revoke/",
    ):
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404
    assert not SecureLink.objects.filter(revoked_at__isnull=False).exists()
    assert not Event.objects.filter(kind=EventKind.LINK_REVOKED).exists()


def test_a_link_of_another_contact_is_not_found_under_this_contact(
    alice_client, org_a, jane, links
):
    sam = Contact.objects.create(organization=org_a, name="Sam Poe", phone="+14155550000")
    link, _ = links[0]
    assert alice_client.post(f"/contacts/{sam.pk}/links/{link.pk}/revoke/").status_code == 404
    assert link_state(SecureLink.objects.get(pk=link.pk)) == LinkState.VALID
