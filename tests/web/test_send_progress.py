"""A large send's page: progress while it fans out (htmx polls a fragment; without
JavaScript the page reloads), the recipients page by page, and a CSV of them all."""

import csv
import io

import pytest

from hushpost.activity.models import Event, EventKind
from hushpost.contacts.models import Contact
from hushpost.messaging.audience import contacts_by_id
from hushpost.messaging.fan_out import queue_send, run_fan_out

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "send-progress"}


@pytest.fixture
def big_send(org_a, alice, secure_on):
    people = Contact.objects.bulk_create(
        Contact(organization=org_a, name=f"Person {i:03d}", phone=f"+1415555{i:04d}")
        for i in range(119)
    )
    people.append(Contact.objects.create(organization=org_a, name="=HYPERLINK(1)", phone=""))
    return queue_send(
        org_a,
        contacts_by_id(org_a, [c.pk for c in people]),
        channel="sms",
        secure=True,
        body="Hello {{ contact.first_name }}",
        sender=alice,
    )


def test_while_it_fans_out_the_page_says_how_far_and_keeps_itself_current(alice_client, big_send):
    html = alice_client.get(f"/sends/{big_send.pk}/").content.decode()
    assert "to 120 recipients" in html
    assert "Preparing messages: 0 of 120 recipients." in html
    assert 'hx-trigger="every 2s"' in html
    assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in html

    run_fan_out(big_send.pk)
    fragment = alice_client.get(f"/sends/{big_send.pk}/", **HTMX).content.decode()
    # The poll answers the fragment alone, with the counts, and polls on while messages wait.
    assert "<html" not in fragment and fragment.lstrip().startswith('<div id="send-progress"')
    assert "119 queued, 1 held back" in fragment and "every 2s" in fragment


def test_the_recipients_are_paged_and_filtered_by_status(alice_client, big_send):
    run_fan_out(big_send.pk)
    first = alice_client.get(f"/sends/{big_send.pk}/").content.decode()
    assert first.count('<tr data-status="') == 50 and "Page 1 of 3 · 120 in all" in first
    last = alice_client.get(f"/sends/{big_send.pk}/", {"page": 3}).content.decode()
    assert last.count('<tr data-status="') == 20
    held = alice_client.get(f"/sends/{big_send.pk}/", {"status": "held"}).content.decode()
    assert held.count('<tr data-status="held"') == 1 and "no mobile phone on file" in held


def test_the_csv_has_every_recipient_formula_safe_and_its_download_is_recorded(
    alice_client, alice, big_send
):
    run_fan_out(big_send.pk)
    response = alice_client.get(f"/sends/{big_send.pk}/deliveries.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 120
    risky = next(row for row in rows if row["status"] == "held")
    assert risky["contact_name"] == "'=HYPERLINK(1)"
    assert all(row["to"].startswith("•••") for row in rows if row["status"] == "queued")
    export = Event.objects.get(kind=EventKind.ACTIVITY_EXPORTED)
    assert export.actor == alice and export.detail["rows"] == 120
    assert export.detail["filter_send"] == str(big_send.pk)


def test_another_organizations_send_is_not_found(mallory, client, big_send):
    client.force_login(mallory)
    assert client.get(f"/sends/{big_send.pk}/").status_code == 404
    assert client.get(f"/sends/{big_send.pk}/deliveries.csv").status_code == 404
