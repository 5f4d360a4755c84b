"""The portal session's SQL is written once per process (hushpost/prepared_sql.py): every
request must still find its own session, with its contact, organization and link,
and never one that ended."""

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hushpost.contacts.models import Contact
from hushpost.portal.models import PortalSession
from hushpost.portal.sessions import COOKIE_NAME, _hash, live_session
from tests.portal.conftest import add_message, make_link

pytestmark = pytest.mark.django_db


def _session_of(contact, key: str) -> PortalSession:
    link, _ = make_link(contact, add_message(contact, f"For {contact.name}"))
    now = timezone.now()
    return PortalSession.objects.create(
        key_hash=_hash(key),
        organization_id=contact.organization_id,
        contact=contact,
        link=link,
        created_at=now,
        last_seen_at=now,
    )


def _request(key: str):
    request = RequestFactory().get("/s/conversation/")
    request.COOKIES[COOKIE_NAME] = key
    return request


def test_each_key_finds_its_own_session_whoever_asked_first(jane, org_a, org_b):
    kim = Contact.objects.create(organization=org_b, name="Kim Lee", phone="+442071234567")
    sam = Contact.objects.create(organization=org_a, name="Sam Poe", phone="+14155550000")
    sessions = {
        key: _session_of(contact, key)
        for key, contact in (("jane-key", jane), ("kim-key", kim), ("sam-key", sam))
    }
    for key in ("jane-key", "kim-key", "sam-key", "jane-key"):
        found = live_session(_request(key))
        assert found is not None and found.pk == sessions[key].pk
        assert found.contact == sessions[key].contact
        assert found.link == sessions[key].link
        assert found.organization.company_name == found.contact.organization.company_name
    assert live_session(_request("nobody's key")) is None


def test_the_contact_organization_and_link_come_with_the_one_query(jane):
    _session_of(jane, "jane-key")
    live_session(_request("jane-key"))  # written, and the idle deadline moved on
    with CaptureQueriesContext(connection) as queries:
        found = live_session(_request("jane-key"))
        assert found is not None
        names = (found.contact.name, found.organization.company_name, found.link.revoked_at)
    assert len(queries.captured_queries) == 1
    assert names == ("Jane Roe", "Riverside Clinic", None)


def test_an_ended_session_is_not_found_again(jane):
    session = _session_of(jane, "jane-key")
    assert live_session(_request("jane-key")) is not None
    PortalSession.objects.filter(pk=session.pk).update(ended_at=timezone.now())
    assert live_session(_request("jane-key")) is None
