"""POST /api/v1/contacts/{id}/links/revoke and /api/v1/links/{id}/revoke: idempotent,
audited, tenant-scoped."""

from __future__ import annotations

import uuid

import pytest

from hushpost.activity.models import Event, EventKind
from hushpost.messaging.links import LinkState, link_state
from hushpost.messaging.models import SecureLink
from tests.portal.conftest import make_link

pytestmark = pytest.mark.django_db


@pytest.fixture
def links(jane, secret_message):
    return [make_link(jane, secret_message), make_link(jane, secret_message)]


def test_revoking_all_of_a_contacts_links(api, jane, links):
    response = api.post(f"contacts/{jane.pk}/links/revoke", REMOTE_ADDR="192.0.2.80")
    assert response.status_code == 200
    assert response.json() == {"contact_id": str(jane.pk), "revoked": 2}
    assert not SecureLink.objects.filter(revoked_at__isnull=True).exists()
    event = Event.objects.get(kind=EventKind.LINK_REVOKED)
    assert (event.actor, event.actor_label, event.detail) == (
        None,
        "api: Booking system",
        {"links": 2, "ip": "192.0.2.80"},
    )
    again = api.post(f"contacts/{jane.pk}/links/revoke")
    assert again.status_code == 200 and again.json()["revoked"] == 0
    assert Event.objects.filter(kind=EventKind.LINK_REVOKED).count() == 1


def test_revoking_one_link(api, jane, links):
    (link, _), (other, _) = links
    response = api.post(f"links/{link.pk}/revoke")
    body = response.json()
    assert response.status_code == 200 and body["changed"] is True and body["id"] == str(link.pk)
    assert body["contact_id"] == str(jane.pk) and body["revoked_at"]
    assert link_state(SecureLink.objects.get(pk=link.pk)) == LinkState.REVOKED
    assert link_state(SecureLink.objects.get(pk=other.pk)) == LinkState.VALID
    again = api.post(f"links/{link.pk}/revoke").json()
    assert again["changed"] is False and again["revoked_at"] == body["revoked_at"]
    assert Event.objects.get(kind=EventKind.LINK_REVOKED).link_id == link.pk


def test_another_organizations_ids_and_unknown_ids_are_404_problems(api_b, jane, links):
    link, _ = links[0]
    for path in (
        f"contacts/{jane.pk}/links/revoke",
        f"links/{link.pk}/revoke",
        f"links/{uuid.uuid4()}/revoke",
        "links/not-a-uuid/revoke",
    ):
        response = api_b.post(path)
        assert response.status_code == 404, path
        assert (
            response["Content-Type"] == "application/problem+json"
            and response.json()["status"] == 404
        )
    assert not SecureLink.objects.filter(revoked_at__isnull=False).exists()
    assert not Event.objects.filter(kind=EventKind.LINK_REVOKED).exists()


def test_no_key_is_a_401_problem(client, jane, links):
    response = client.post(f"/api/v1/contacts/{jane.pk}/links/revoke")
    assert response.status_code == 401 and response["Content-Type"] == "application/problem+json"
    assert not SecureLink.objects.filter(revoked_at__isnull=False).exists()


def test_the_operations_are_in_the_openapi_document(api):
    paths = api.get("/api/v1/openapi.json").json()["paths"]
    assert "post" in paths["/api/v1/contacts/{contact_id}/links/revoke"]
    assert "post" in paths["/api/v1/links/{link_id}/revoke"]


def test_events_name_their_link_so_a_client_can_revoke_it(api, jane, links):
    from hushpost.activity.log import record

    link, _ = links[0]
    record(
        jane.organization, EventKind.LINK_CLICKED, contact=jane, link=link, actor_label="contact"
    )
    items = api.get("events", {"kind": "link_clicked"}).json()["items"]
    assert [item["link_id"] for item in items] == [str(link.pk)]
    assert api.post(f"links/{items[0]['link_id']}/revoke").json()["changed"] is True
