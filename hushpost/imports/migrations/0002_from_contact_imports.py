"""Contact imports (contacts.ContactImport and its ImportRejection rows) become ImportRuns.

The uploaded file and the rejected rows' values are encrypted with associated
data naming their model and row, so each is decrypted under its old name and
encrypted again under its new one. A value no key can read any more is
dropped (and an unfinished import marked failed), as it could not be used.
"""

import uuid

from django.db import migrations

from hushpost.crypto.keyring import DecryptionError, decrypt, encrypt

OLD_CONTENT = "contacts.ContactImport.content|org={org}|file={file}|at={at}"
OLD_VALUES = "contacts.ImportRejection.values|import={run}|row={row}"
NEW_CONTENT = "imports.ImportRun.content|org={org}|id={id}"
NEW_VALUES = "imports.ImportRow.values|run={run}|position={position}"
CARRIED = (
    "organization_id",
    "created_by_id",
    "created_at",
    "file_name",
    "headers",
    "mapping",
    "status",
    "total_rows",
    "rows_done",
    "updated_count",
    "rejected_count",
    "error",
    "heartbeat_at",
    "finished_at",
)


def _moved(token: str, old_aad: str, new_aad: str) -> str | None:
    if not token:
        return ""
    try:
        return encrypt(decrypt(token, old_aad), new_aad)
    except DecryptionError:
        return None


def forward(apps, schema_editor):
    ContactImport = apps.get_model("contacts", "ContactImport")
    ImportRejection = apps.get_model("contacts", "ImportRejection")
    ImportRun = apps.get_model("imports", "ImportRun")
    ImportRow = apps.get_model("imports", "ImportRow")
    for old in ContactImport.objects.order_by("pk").iterator():
        run = ImportRun(
            id=uuid.uuid4(),
            kind="contacts",
            format="csv",
            source="web",
            encoding="UTF-8",
            options={"on_duplicate": old.on_duplicate},
            added_count=old.created_count,
            **{name: getattr(old, name) for name in CARRIED},
        )
        content = _moved(
            old.content_encrypted,
            OLD_CONTENT.format(
                org=old.organization_id, file=old.file_name, at=old.created_at.isoformat()
            ),
            NEW_CONTENT.format(org=old.organization_id, id=run.id),
        )
        if content is None:
            content = ""
            if run.status not in ("done", "failed"):
                run.status = "failed"
                run.error = "The uploaded file could not be carried over; upload it again."
        run.content_encrypted = content
        run.save()
        rows = []
        for position, rejection in enumerate(
            ImportRejection.objects.filter(contact_import=old).order_by("row_number"), start=1
        ):
            values = _moved(
                rejection.values_encrypted,
                OLD_VALUES.format(run=old.pk, row=rejection.row_number),
                NEW_VALUES.format(run=run.id, position=position),
            )
            rows.append(
                ImportRow(
                    run=run,
                    position=position,
                    line=rejection.row_number,
                    outcome="rejected",
                    reasons=rejection.reasons,
                    values_encrypted=values or "",
                )
            )
        ImportRow.objects.bulk_create(rows)


def backward(apps, schema_editor):
    ContactImport = apps.get_model("contacts", "ContactImport")
    ImportRejection = apps.get_model("contacts", "ImportRejection")
    ImportRun = apps.get_model("imports", "ImportRun")
    ImportRow = apps.get_model("imports", "ImportRow")
    for run in ImportRun.objects.filter(kind="contacts", format="csv").order_by("created_at"):
        old = ContactImport(
            on_duplicate=run.options.get("on_duplicate", "report"),
            created_count=run.added_count,
            **{name: getattr(run, name) for name in CARRIED},
        )
        old.status = old.status if old.status != "running" else "queued"
        old.save()
        content = _moved(
            run.content_encrypted,
            NEW_CONTENT.format(org=run.organization_id, id=run.id),
            OLD_CONTENT.format(
                org=run.organization_id, file=old.file_name, at=old.created_at.isoformat()
            ),
        )
        ContactImport.objects.filter(pk=old.pk).update(content_encrypted=content or "")
        for row in ImportRow.objects.filter(run_id=run.pk, outcome="rejected", line__isnull=False):
            values = _moved(
                row.values_encrypted,
                NEW_VALUES.format(run=run.id, position=row.position),
                OLD_VALUES.format(run=old.pk, row=row.line),
            )
            ImportRejection.objects.create(
                contact_import_id=old.pk,
                row_number=row.line,
                reasons=row.reasons,
                values_encrypted=values or "",
            )
    # Plain DELETEs: the collector of a historical model trips over its own relations.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {ImportRow._meta.db_table}")
        cursor.execute(f"DELETE FROM {ImportRun._meta.db_table}")


class Migration(migrations.Migration):
    dependencies = [
        ("imports", "0001_initial"),
        ("contacts", "0002_sensitive_custom_fields"),
    ]

    operations = [migrations.RunPython(forward, backward)]
