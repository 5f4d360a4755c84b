"""Contact imports made before the pipeline move forward into it, and back, re-encrypted."""

import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from hushpost.crypto.keyring import decrypt, encrypt

BEFORE = [("contacts", "0002_sensitive_custom_fields"), ("imports", None)]
AFTER = [("contacts", "0003_imports_moved_to_the_import_pipeline")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state([t for t in targets if t[1] is not None]).apps


@pytest.mark.django_db(transaction=True)
def test_contact_imports_and_their_rejected_rows_are_carried_over_and_back(org_a):
    old = migrate(BEFORE)
    try:
        ContactImport = old.get_model("contacts", "ContactImport")
        ImportRejection = old.get_model("contacts", "ImportRejection")
        created_at = timezone.now()
        contact_import = ContactImport.objects.create(
            organization_id=org_a.pk,
            created_at=created_at,
            file_name="clinic.csv",
            headers=["Name", "Email"],
            mapping={"0": "name", "1": "email"},
            on_duplicate="update",
            status="done",
            total_rows=2,
            rows_done=2,
            created_count=1,
            rejected_count=1,
        )
        aad = f"org={org_a.pk}|file=clinic.csv|at={created_at.isoformat()}"
        ContactImport.objects.filter(pk=contact_import.pk).update(
            content_encrypted=encrypt("Name,Email\r\n", f"contacts.ContactImport.content|{aad}")
        )
        ImportRejection.objects.create(
            contact_import_id=contact_import.pk,
            row_number=3,
            reasons=["bad email"],
            values_encrypted=encrypt(
                json.dumps(["Sam Secret", "nope"]),
                f"contacts.ImportRejection.values|import={contact_import.pk}|row=3",
            ),
        )

        new = migrate(AFTER)
        ImportRun = new.get_model("imports", "ImportRun")
        ImportRow = new.get_model("imports", "ImportRow")
        run = ImportRun.objects.get()
        assert (run.kind, run.format, run.status, run.options) == (
            "contacts",
            "csv",
            "done",
            {"on_duplicate": "update"},
        )
        assert (run.added_count, run.rejected_count, run.file_name) == (1, 1, "clinic.csv")
        assert (
            decrypt(run.content_encrypted, f"imports.ImportRun.content|org={org_a.pk}|id={run.id}")
            == "Name,Email\r\n"
        )
        row = ImportRow.objects.get()
        assert (row.line, row.outcome, row.reasons) == (3, "rejected", ["bad email"])
        values = decrypt(
            row.values_encrypted, f"imports.ImportRow.values|run={run.id}|position={row.position}"
        )
        assert json.loads(values) == ["Sam Secret", "nope"]

        back = migrate(BEFORE)
        again = back.get_model("contacts", "ContactImport").objects.get()
        assert (again.created_count, again.on_duplicate, again.file_name) == (
            1,
            "update",
            "clinic.csv",
        )
        rejection = back.get_model("contacts", "ImportRejection").objects.get()
        assert json.loads(
            decrypt(
                rejection.values_encrypted,
                f"contacts.ImportRejection.values|import={again.pk}|row=3",
            )
        ) == ["Sam Secret", "nope"]
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
