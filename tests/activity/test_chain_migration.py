"""Events written before the chain existed are sealed by its migration, and it undoes cleanly."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from hushpost.activity.chain import verify
from hushpost.activity.models import ChainHead, Event, EventKind

BEFORE = [("activity", "0007_inbox_and_reveal_event_kinds")]
AFTER = [("activity", "0008_event_chain")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_existing_events_are_sealed_in_the_order_they_were_written(org_a, org_b):
    old = migrate(BEFORE)
    try:
        OldEvent = old.get_model("activity", "Event")
        now = timezone.now()
        # Inserted out of time order: the chain follows the time written, then the id.
        for minutes, org, kind in (
            (5, org_a, EventKind.SIGNED_IN),
            (1, org_a, EventKind.SETTINGS_CHANGED),
            (3, org_b, EventKind.SIGNED_IN),
            (1, org_a, EventKind.USER_CHANGED),
        ):
            OldEvent.objects.create(
                organization_id=org.pk,
                kind=kind,
                created_at=now + timedelta(minutes=minutes),
                actor_label="system",
                detail={"minutes": minutes},
            )

        migrate(AFTER)
        chain = list(Event.objects.filter(organization=org_a).order_by("seq"))
        assert [(e.seq, e.kind) for e in chain] == [
            (1, EventKind.SETTINGS_CHANGED),
            (2, EventKind.USER_CHANGED),
            (3, EventKind.SIGNED_IN),
        ]
        assert verify(org_a.pk).intact and verify(org_b.pk).intact
        assert ChainHead.objects.get(organization=org_a).seq == 3

        # Undone, the events stay as they were; done again, they are sealed again.
        back = migrate(BEFORE)
        assert back.get_model("activity", "Event").objects.count() == 4
        migrate(AFTER)
        assert verify(org_a.pk).intact and verify(org_a.pk).events == 3
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
