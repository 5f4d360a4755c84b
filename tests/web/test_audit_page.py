"""The Audit page: owners only, staff and security events (never the message
lifecycle), filters, paging, CSV."""

import csv
import datetime as dt
import io

import pytest
import time_machine

from hushpost.accounts.models import Role, User
from hushpost.activity.log import record
from hushpost.activity.models import Event, EventKind
from hushpost.contacts.models import Contact
from hushpost.web.views import audit as audit_view
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def utc(*args):
    return dt.datetime(*args, tzinfo=dt.UTC)


def at(when, org, kind, **kwargs):
    with time_machine.travel(when, tick=False):
        return record(org, kind, **kwargs)


@pytest.fixture
def carol(org_a):
    return User.objects.create_user(
        "carol@riverside.example", PASSWORD, organization=org_a, role=Role.ADMIN
    )


@pytest.fixture
def trail(org_a, org_b, alice, bob, mallory):
    """Riverside's events over a few days (New York time), one of them not an audit
    kind, and one of Harbor's."""
    jane = Contact.objects.create(organization=org_a, name="Jane Roe")
    at(utc(2026, 3, 1, 15), org_a, EventKind.SIGNED_IN, actor=bob, ip="203.0.113.7")
    at(
        utc(2026, 3, 2, 15),
        org_a,
        EventKind.STAFF_VIEWED_CONVERSATION,
        contact=jane,
        actor=bob,
        ip="203.0.113.7",
    )
    at(
        utc(2026, 3, 3, 4, 30),
        org_a,
        EventKind.SETTINGS_CHANGED,
        actor=alice,
        ip="198.51.100.4",
        fields="subject",
    )  # 23:30 on the 2nd in New York
    at(
        utc(2026, 3, 3, 15),
        org_a,
        EventKind.API_KEY_REVOKED,
        actor_label="api: Booking",
        ip="192.0.2.9",
        name="x",
    )
    at(utc(2026, 3, 2, 16), org_a, EventKind.SENT, contact=jane)  # the message lifecycle: not audit
    at(utc(2026, 3, 2, 15), org_b, EventKind.SIGNED_IN, actor=mallory, ip="192.0.2.66")


def rows_of(client, query=""):
    response = client.get(f"/audit/{query}")
    assert response.status_code == 200
    body = response.content.decode().split("<tbody>", 1)
    return body[1].split("</tbody>", 1)[0] if len(body) > 1 else ""


def test_members_and_admins_are_refused_and_see_no_link(client, bob, carol, trail):
    for user in (bob, carol):
        client.force_login(user)
        assert client.get("/audit/").status_code == 403
        assert client.get("/audit/export.csv").status_code == 403
        assert 'href="/audit/"' not in client.get("/contacts/").content.decode()
    assert not Event.objects.filter(kind=EventKind.ACTIVITY_EXPORTED).exists()


def test_signed_out_visitors_go_to_sign_in(client):
    response = client.get("/audit/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_an_owner_sees_who_did_what_from_where_and_no_lifecycle_or_other_organization(
    alice_client, trail
):
    assert 'href="/audit/"' in alice_client.get("/contacts/").content.decode()
    rows = rows_of(
        alice_client, "?date_to=2026-03-31"
    )  # leaves out alice's own sign-in for this test
    # In sentences, with staff names.
    for text in (
        "Bob Stone signed in",
        "Bob Stone viewed the conversation with",
        "Alice Lee changed the secure messaging settings: subject",
        "The API key “Booking” revoked the API key “x”",
        "203.0.113.7",
        "198.51.100.4",
        "192.0.2.9",
        "Jane Roe",
    ):
        assert text in rows
    assert rows.count("<tr ") == 4
    assert 'data-kind="sent"' not in rows
    assert "192.0.2.66" not in rows and "mallory" not in rows


def test_filters_by_person_kind_and_days_in_the_organizations_zone(alice_client, bob, trail):
    rows = rows_of(alice_client, f"?person=user:{bob.pk}")
    assert rows.count("<tr ") == 2 and "Alice Lee" not in rows
    rows = rows_of(alice_client, "?person=label:api: Booking")
    assert rows.count("<tr ") == 1 and "revoked the API key" in rows
    rows = rows_of(alice_client, "?kind=settings_changed")
    assert rows.count("<tr ") == 1 and "198.51.100.4" in rows
    # The 2nd in New York: the 15:00 UTC view and the 04:30 UTC (23:30 local) settings change.
    rows = rows_of(alice_client, "?date_from=2026-03-02&date_to=2026-03-02")
    assert (
        rows.count("<tr ") == 2
        and "changed the secure messaging settings" in rows
        and "viewed the conversation with" in rows
    )


def test_the_person_filter_lists_everyone_in_the_organization_and_api_keys_only(
    alice_client, trail
):
    page = alice_client.get("/audit/").content.decode()
    assert (
        "bob@riverside.example" in page
        and "api: Booking" in page
        and "mallory@harbor.example" not in page
    )


@pytest.mark.parametrize(
    "query, message",
    [
        ("?person=user:999999", "There is no such person in this organization."),
        ("?kind=sent", "Select a valid choice."),
        ("?date_from=2026-13-01", "Enter the date as YYYY-MM-DD"),
        ("?date_from=2026-03-05&date_to=2026-03-01", "The end date is before the start date."),
    ],
)
def test_a_bad_filter_shows_its_error_and_no_events(alice_client, trail, query, message):
    response = alice_client.get(f"/audit/{query}")
    html = response.content.decode()
    assert response.status_code == 200 and message in html and "<tbody>" not in html
    export = alice_client.get(f"/audit/export.csv{query}")
    assert (
        export.status_code == 400
        and not Event.objects.filter(kind=EventKind.ACTIVITY_EXPORTED).exists()
    )


def test_another_organizations_user_is_no_person_here(alice_client, mallory, trail):
    html = alice_client.get(f"/audit/?person=user:{mallory.pk}").content.decode()
    assert "There is no such person in this organization." in html and "192.0.2.66" not in html


def test_paging(alice_client, org_a, alice, monkeypatch):
    monkeypatch.setattr(audit_view, "PAGE_SIZE", 3)
    for n in range(6):  # and alice's own sign-in, the first
        record(org_a, EventKind.SIGNED_IN, actor=alice, ip=f"192.0.2.{n}")
    first, last = rows_of(alice_client), rows_of(alice_client, "?page=3")
    assert first.count("<tr ") == 3 and last.count("<tr ") == 1
    assert "192.0.2.5" in first and "192.0.2.0" not in last and "Alice Lee signed in" in last
    assert "Page 1 of 3 · 7 in all" in alice_client.get("/audit/").content.decode()


def test_the_export_is_the_filtered_trail_formula_safe_and_itself_recorded(
    alice_client, alice, org_a, trail
):
    at(
        utc(2026, 3, 4, 15),
        org_a,
        EventKind.API_KEY_CREATED,
        actor_label="=HYPERLINK(1)",
        name="=cmd",
    )
    response = alice_client.get(
        "/audit/export.csv?date_from=2026-03-01&date_to=2026-03-31", REMOTE_ADDR="198.51.100.23"
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="hushpost-audit-riverside-' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == [
        "time",
        "kind",
        "contact_id",
        "contact_name",
        "actor",
        "details",
        "description",
        # The tamper-evident chain, for an offline check (tests/activity/test_chain.py).
        "seq",
        "prev_hash",
        "hash",
        "sealed",
    ]
    kinds = [row[1] for row in rows[1:]]
    assert kinds == [
        "api_key_created",
        "api_key_revoked",
        "settings_changed",
        "staff_viewed_conversation",
        "signed_in",
    ]
    assert rows[1][4] == "'=HYPERLINK(1)" and rows[3][0] == "2026-03-02T23:30:00-05:00"
    note = Event.objects.get(kind=EventKind.ACTIVITY_EXPORTED)
    assert note.actor == alice
    assert note.detail == {
        "export": "audit",
        "rows": 5,
        "filter_date_from": "2026-03-01",
        "filter_date_to": "2026-03-31",
        "ip": "198.51.100.23",
    }
    # The next page load shows the export in the trail.
    assert "Alice Lee exported the audit (5 rows)" in rows_of(alice_client)


def test_members_and_admins_see_no_sign_ins_or_exports_in_the_activity_log(
    client, bob, carol, alice, org_a, trail
):
    record(org_a, EventKind.ACTIVITY_EXPORTED, actor=alice, export="activity", rows=3)
    for user in (bob, carol):
        client.force_login(user)
        html = client.get("/activity/").content.decode()
        rows = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
        assert (
            "changed the secure messaging settings" in rows
            and "revoked the API key" in rows
            and "viewed the conversation with" in rows
        )
        assert "signed in" not in rows and "exported" not in rows
        assert "From address" not in rows and "203.0.113.7" not in rows
        assert "198.51.100.4" not in rows
        exported = b"".join(client.get("/activity/export.csv").streaming_content).decode()
        assert "settings_changed" in exported and "subject" in exported
        assert (
            "signed_in" not in exported
            and "activity_exported" not in exported
            and "ip:" not in exported
        )


def test_an_owner_sees_them_in_the_activity_log_too(alice_client, trail):
    html = alice_client.get("/activity/?kind=signed_in").content.decode()
    assert "Bob Stone signed in" in html
    assert "<dt>From address</dt><dd>203.0.113.7</dd>" in html
    exported = b"".join(alice_client.get("/activity/export.csv").streaming_content).decode()
    assert "signed_in" in exported and "ip: 198.51.100.4" in exported
