"""The activity log page and its CSV export: filters, paging, the
organization's time zone, isolation."""

import csv
import datetime as dt
import io

import pytest
import time_machine

from hushpost.activity.log import record
from hushpost.activity.models import Event, EventKind
from hushpost.contacts.models import Contact
from hushpost.web import activity_forms

pytestmark = pytest.mark.django_db

CHANGED_JANES_PHONE = "Alice Lee changed the phone of Jane Roe"
# On the page the contact's name is a link.
CHANGED_PHONE = "Alice Lee changed the phone of <a"


def at(when, org, kind=EventKind.CONTACT_UPDATED, **kwargs):
    with time_machine.travel(when, tick=False):
        return record(org, kind, **kwargs)


def utc(*args):
    return dt.datetime(*args, tzinfo=dt.UTC)


@pytest.fixture
def jane(org_a):
    return Contact.objects.create(organization=org_a, name="Jane Roe", email="jane@example.com")


@pytest.fixture
def sam(org_a):
    return Contact.objects.create(organization=org_a, name="Sam Poe")


@pytest.fixture
def log(org_a, org_b, alice, jane, sam):
    """A few days of Riverside's log (New York time), and one event of Harbor Law's."""
    at(utc(2026, 3, 1, 15), org_a, EventKind.CONTACT_CREATED, contact=jane, actor=alice)
    at(
        utc(2026, 3, 2, 15),
        org_a,
        EventKind.CONTACT_UPDATED,
        contact=sam,
        actor=alice,
        fields="email",
    )
    at(
        utc(2026, 3, 3, 4, 30),
        org_a,
        EventKind.CONTACT_UPDATED,
        contact=jane,
        actor=alice,
        fields="phone",
    )  # 23:30 on the 2nd
    at(utc(2026, 3, 3, 15), org_a, EventKind.SETTINGS_CHANGED, actor=alice, fields="subject")
    harbor_contact = Contact.objects.create(organization=org_b, name="Hidden Person")
    at(
        utc(2026, 3, 2, 15),
        org_b,
        EventKind.CONTACT_UPDATED,
        contact=harbor_contact,
        fields="secret_field",
    )


def log_of(client, query=""):
    """The log below the filter form (whose kind select names every kind)."""
    response = client.get(f"/activity/{query}")
    assert response.status_code == 200
    return (
        response.content.decode().split('aria-label="Filter the log"', 1)[1].split("</form>", 1)[1]
    )


def export(client, query=""):
    response = client.get(f"/activity/export.csv{query}")
    assert response.status_code == 200
    assert response.streaming
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def logged_kinds(rows):
    return [row[1] for row in rows[1:] if row[1] not in ("signed_in", "signed_out")]


def test_it_shows_the_organizations_events_newest_first(alice_client, log):
    page = log_of(alice_client)
    # In sentences, with the staff member's name and the contact linked.
    assert (
        page.index("Alice Lee changed the secure messaging settings: subject")
        < page.index(CHANGED_PHONE)
        < page.index("changed the email of")
        < page.index(
            f'Alice Lee added <a href="/contacts/{Contact.objects.get(name="Jane Roe").pk}/"'
        )
    )
    assert "Jane Roe" in page and "Sam Poe" in page
    assert "Hidden Person" not in page and "secret_field" not in page
    # Staff read times in the organization's zone, labelled: 04:30 UTC is 23:30 the day
    # before in New York.
    assert "Mon 2 Mar 2026, 11:30 p.m. EST" in page


def test_a_member_sees_the_log_too(bob_client, log):
    assert "changed the secure messaging settings" in log_of(bob_client)


def test_it_filters_by_contact_kind_and_dates(alice_client, log, jane):
    by_contact = log_of(alice_client, f"?contact={jane.pk}")
    assert "Alice Lee added" in by_contact and CHANGED_PHONE in by_contact
    assert "the email of" not in by_contact and "settings" not in by_contact

    by_kind = log_of(alice_client, "?kind=contact_updated")
    assert (
        CHANGED_PHONE in by_kind and "the email of" in by_kind and "Alice Lee added" not in by_kind
    )

    the_2nd = log_of(alice_client, "?date_from=2026-03-02&date_to=2026-03-02")
    assert "the email of" in the_2nd and CHANGED_PHONE in the_2nd
    assert "Alice Lee added" not in the_2nd and "settings" not in the_2nd


def test_no_match_says_so(alice_client, log):
    page = log_of(alice_client, "?kind=link_locked")
    assert "No events match these filters." in page


def test_another_organizations_contact_id_never_leaks(alice_client, log, org_b):
    theirs = Contact.objects.get(organization=org_b)
    page = alice_client.get(f"/activity/?contact={theirs.pk}").content.decode()
    assert "There is no such contact in this organization." in page
    assert "Hidden Person" not in page and "secret_field" not in page
    assert "added" not in log_of(alice_client, f"?contact={theirs.pk}")
    assert alice_client.get(f"/activity/export.csv?contact={theirs.pk}").status_code == 400


@pytest.mark.parametrize(
    "query, error",
    [
        ("date_from=2026-03-05&date_to=2026-03-01", "The end date is before the start date."),
        ("date_from=31/02/2026", "Enter the date as YYYY-MM-DD"),
        ("date_to=2026-02-30", "Enter the date as YYYY-MM-DD"),
        ("contact=not-a-uuid", "There is no such contact in this organization."),
        ("kind=no_such_kind", "Select a valid choice"),
    ],
)
def test_bad_filters_get_a_clear_error_and_show_nothing(alice_client, log, query, error):
    assert error in alice_client.get(f"/activity/?{query}").content.decode()
    assert "settings" not in log_of(alice_client, f"?{query}")


def test_the_contact_filter_is_a_select_of_the_organizations_contacts(alice_client, log):
    page = alice_client.get("/activity/").content.decode()
    assert '<select name="contact"' in page
    assert "Jane Roe · jane@example.com" in page and "Hidden Person" not in page


def test_a_big_organization_filters_by_contact_id_instead(alice_client, log, jane, monkeypatch):
    monkeypatch.setattr(activity_forms, "CONTACT_SELECT_LIMIT", 1)
    page = alice_client.get(f"/activity/?contact={jane.pk}").content.decode()
    assert '<select name="contact"' not in page and f'value="{jane.pk}"' in page
    events = log_of(alice_client, f"?contact={jane.pk}")
    assert "Alice Lee added" in events and "settings" not in events


def test_it_pages_by_fifty_and_keeps_the_filters(alice_client, org_a):
    for i in range(120):
        at(
            utc(2026, 3, 1) + dt.timedelta(minutes=i),
            org_a,
            EventKind.CONTACTS_IMPORTED,
            file_name=f"file-{i}.csv",
            created=i,
            updated=0,
            rejected=0,
        )
    first = log_of(alice_client, "?kind=contacts_imported")
    third = log_of(alice_client, "?kind=contacts_imported&page=3")
    assert "Page 1 of 3" in first and "file-119.csv: 119 added" in first
    assert "file-69.csv" not in first
    assert "?kind=contacts_imported&amp;page=2" in first
    assert "Page 3 of 3" in third and "file-0.csv: 0 added" in third


def test_the_export_has_the_columns_in_the_organizations_zone(alice_client, log, jane, alice):
    rows = export(alice_client, f"?contact={jane.pk}")
    assert rows[0] == [
        "time",
        "kind",
        "contact_id",
        "contact_name",
        "actor",
        "details",
        "description",
    ]
    assert rows[1:] == [
        [
            "2026-03-02T23:30:00-05:00",
            "contact_updated",
            str(jane.pk),
            "Jane Roe",
            alice.email,
            "fields: phone",
            CHANGED_JANES_PHONE,
        ],
        [
            "2026-03-01T10:00:00-05:00",
            "contact_created",
            str(jane.pk),
            "Jane Roe",
            alice.email,
            "",
            "Alice Lee added Jane Roe",
        ],
    ]


def test_the_export_applies_every_filter_and_never_another_organizations_events(alice_client, log):
    assert logged_kinds(export(alice_client)) == [
        "settings_changed",
        "contact_updated",
        "contact_updated",
        "contact_created",
    ]
    assert logged_kinds(
        export(alice_client, "?kind=contact_updated&date_from=2026-03-02&date_to=2026-03-02")
    ) == [
        "contact_updated",
        "contact_updated",
    ]
    assert "secret_field" not in str(export(alice_client))


def test_the_export_is_a_dated_attachment(alice_client, log):
    with time_machine.travel(utc(2026, 3, 10, 3, 0), tick=False):  # still the 9th in New York
        response = alice_client.get("/activity/export.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"]
        == 'attachment; filename="hushpost-activity-riverside-2026-03-09.csv"'
    )


def test_the_page_links_to_the_export_with_the_same_filters(alice_client, log):
    page = alice_client.get("/activity/?kind=contact_updated&date_from=2026-03-02").content.decode()
    assert 'href="/activity/export.csv?kind=contact_updated&amp;date_from=2026-03-02"' in page


def test_signing_in_shows_in_the_log(client, alice):
    from tests.conftest import PASSWORD

    client.post(
        "/accounts/login/",
        {"username": alice.email, "password": PASSWORD},
        REMOTE_ADDR="203.0.113.7",
    )
    page = log_of(client, "?kind=signed_in")
    # The address is a detail, folded away (owners only).
    assert "Alice Lee signed in" in page and "<dt>From address</dt><dd>203.0.113.7</dd>" in page


def test_the_log_is_for_signed_in_staff_only(client, log):
    for url in ("/activity/", "/activity/export.csv"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert Event.objects.count() == 5
