"""The event log is append-only, and record() keeps details small."""

import pytest

from hushpost.activity.log import MAX_DETAIL_VALUE, record
from hushpost.activity.models import AppendOnlyError, Event, EventKind

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(org_a, alice):
    return record(org_a, EventKind.SETTINGS_CHANGED, actor=alice, fields="subject")


def test_an_event_cannot_be_changed(event):
    event.kind = EventKind.SIGNED_IN
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        Event.objects.filter(pk=event.pk).update(kind=EventKind.SIGNED_IN)
    event.refresh_from_db()
    assert event.kind == EventKind.SETTINGS_CHANGED


def test_an_event_cannot_be_deleted(event):
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        Event.objects.filter(pk=event.pk).delete()
    with pytest.raises(AppendOnlyError):
        Event.objects.all().delete()
    assert Event.objects.filter(pk=event.pk).exists()


def test_record_names_the_actor_by_email_and_trims_long_values(org_a, alice):
    logged = record(org_a, EventKind.USER_CHANGED, actor=alice, note="x" * 1000, count=3)
    assert logged.actor_label == alice.email
    assert logged.detail == {"note": "x" * MAX_DETAIL_VALUE, "count": 3}
    assert record(org_a, EventKind.CONTACTS_IMPORTED).actor_label == "system"
