"""The thread's SQL is compiled once per process (hushpost/prepared_sql.py): every later
run must read its own contact's thread, never the one the SQL was first written for."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hushpost.contacts.models import Contact
from hushpost.messaging.conversations import thread, thread_to_show
from hushpost.messaging.models import Direction, Message
from hushpost.prepared_sql import PreparedQuery
from tests.portal.conftest import add_message

pytestmark = pytest.mark.django_db


def test_each_contact_reads_their_own_thread_in_order(jane, org_a, org_b):
    sam = Contact.objects.create(organization=org_a, name="Sam Poe", phone="+14155550000")
    kim = Contact.objects.create(organization=org_b, name="Kim Lee", phone="+442071234567")
    for n in range(3):
        add_message(
            jane, f"Jane {n}", direction=Direction.INBOUND if n == 1 else Direction.OUTBOUND
        )
        add_message(sam, f"Sam {n}")
    add_message(kim, "Kim 0", files=[("a.txt", "text/plain", b"a")])
    for contact in (jane, sam, kim, jane):
        shown = thread_to_show(contact)
        assert [m.pk for m in shown] == [m.pk for m in thread(contact)]
        assert all(m.contact_id == contact.pk for m in shown)
    assert [m.body for m in thread_to_show(jane)] == ["Jane 0", "Jane 1", "Jane 2"]
    assert [m.direction for m in thread_to_show(jane)] == ["outbound", "inbound", "outbound"]
    assert [m.files for m in thread_to_show(sam)] == [[], [], []]
    (kims,) = thread_to_show(kim)
    assert [name for _, name, _ in kims.files] == ["a.txt"] and kims.has_files
    assert thread_to_show(Contact(pk=uuid.uuid4(), organization_id=org_a.pk)) == []


def test_a_thread_without_files_is_one_query(jane):
    add_message(jane, "Hello")
    with CaptureQueriesContext(connection) as queries:
        (message,) = thread_to_show(jane)
    (query,) = queries.captured_queries
    assert query["sql"].startswith("SELECT") and "messaging_message" in query["sql"]
    assert message.body == "Hello" and message.files == []


def test_a_value_the_sql_does_not_carry_as_a_parameter_is_refused(jane):
    # Here `contact` never reaches the SQL: a run would quietly ignore it, so it fails instead.
    ignoring = PreparedQuery(
        Message,
        lambda contact, organization: Message.objects.filter(organization_id=organization),
        contact=uuid.UUID,
        organization=int,
    )
    with pytest.raises(ValueError, match="contact"):
        list(ignoring.run(contact=jane.pk, organization=jane.organization_id))
