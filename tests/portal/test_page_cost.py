"""The conversation page's database work does not grow with the thread: a long thread
costs the same queries as a short one, and a reload of either writes nothing."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hushpost.messaging.models import Direction
from tests.portal.conftest import SECRET_TEXT, add_message, signed_in

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE")


def reload(client):
    client.get("/s/conversation/")  # a first view of new messages records it (a write)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/s/conversation/")
    assert response.status_code == 200
    return response.content.decode(), [q["sql"] for q in queries.captured_queries]


def test_the_page_costs_the_same_queries_for_one_message_or_forty(client, jane, pin_link):
    jane_client = signed_in(client, pin_link[1])
    page, short = reload(jane_client)
    assert SECRET_TEXT in page and "results.pdf" in page
    for n in range(40):
        files = [(f"scan-{n}.png", "image/png", b"\x89PNG scan")] if n % 10 == 0 else ()
        add_message(
            jane,
            f"Message number {n} <b>as text</b>",
            direction=Direction.INBOUND if n % 3 == 0 else Direction.OUTBOUND,
            files=files,
        )
    page, long = reload(jane_client)
    assert len(long) == len(short), long
    assert [q for q in long if q.startswith(WRITES)] == []
    # Every message and file is there, in order, escaped, the last one where the page opens.
    assert page.count('class="msg ') == 41
    assert page.index(SECRET_TEXT) < page.index("Message number 0 ") < page.index("number 39 ")
    assert "&lt;b&gt;as text&lt;/b&gt;" in page and "<b>as text" not in page
    assert all(f"scan-{n}.png" in page for n in range(0, 40, 10))
    assert page.count('id="latest"') == 1
    assert page.index('id="latest"') > page.index("Message number 38 ")


def test_a_thread_without_files_skips_the_files_query(client, jane):
    from tests.portal.conftest import make_link

    message = add_message(jane, "No file with this one.")
    raw = make_link(jane, message)[1]
    _, without = reload(signed_in(client, raw))
    add_message(jane, "This one has a file.", files=[("a.txt", "text/plain", b"a")])
    page, with_file = reload(client)
    assert "a.txt" in page
    assert len(with_file) == len(without) + 1
    assert not any("messaging_attachment" in q and "EXISTS" not in q for q in without)


def test_composed_messages_cost_no_appointment_query(client, jane, pin_link):
    """Only an auto message (a reminder) can carry answer buttons: a thread of messages
    sent from Compose is not looked up among the scheduler's due sends."""
    from hushpost.messaging.models import Send

    jane_client = signed_in(client, pin_link[1])
    send = Send.objects.create(organization_id=jane.organization_id, channel="sms", secure=True)
    for n in range(3):
        add_message(jane, f"Composed {n}", send=send)
    page, queries = reload(jane_client)
    assert "Composed 2" in page
    assert not any("appointments_duesend" in q for q in queries)


def test_the_page_looks_up_no_staff_user_signed_in_in_the_same_browser(
    client, alice, jane, pin_link
):
    """The portal renders through its own template engine (settings.TEMPLATES, "portal"),
    without the staff app's context processors: a staff member signed in in the same
    browser costs the contact's page no look at the staff user or their inbox."""
    client.force_login(alice)
    page, queries = reload(signed_in(client, pin_link[1]))
    assert SECRET_TEXT in page and "Riverside Clinic" in page
    staff_tables = ("accounts_user", "messaging_conversation", "otp_")
    assert not [q for q in queries if any(table in q for table in staff_tables)]


def test_the_private_page_headers_are_given_once_and_stay_whole(client, jane, pin_link):
    from hushpost.private_page import add_private_page_headers, has_private_page_headers

    response = signed_in(client, pin_link[1]).get("/s/conversation/")
    assert has_private_page_headers(response)
    before = dict(response.headers)
    assert add_private_page_headers(response) is response and dict(response.headers) == before
    assert before["Referrer-Policy"] == "no-referrer" and before["X-Frame-Options"] == "DENY"
    assert "no-store" in before["Cache-Control"] and "private" in before["Cache-Control"]
    assert "default-src 'none'" in before["Content-Security-Policy"]
