"""Drop the event indexes that others cover: an event is written for nearly every move
of a delivery, and each index is one more write. `organization` alone is covered
by (organization, -created_at) and `contact` by (contact, -created_at).

Only the indexes are dropped (DROP INDEX): altering the fields instead would
rebuild the table on SQLite and re-check every foreign key on PostgreSQL.
Reversed, the indexes are made again.
"""

import django.db.models.deletion
from django.db import migrations, models

# (table, column, index, whether PostgreSQL also has its LIKE twin "<index>_like")
DROPPED = [
    ("activity_event", "organization_id", "activity_event_organization_id_5615cabc", False),
    ("activity_event", "contact_id", "activity_event_contact_id_50ca6357", False),
]


def drop_indexes(apps, schema_editor):
    for _, _, name, like in DROPPED:
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")
        if like and schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"DROP INDEX IF EXISTS {schema_editor.quote_name(name + '_like')}"
            )


def make_indexes(apps, schema_editor):
    quote = schema_editor.quote_name
    for table, column, name, like in DROPPED:
        schema_editor.execute(f"CREATE INDEX {quote(name)} ON {quote(table)} ({quote(column)})")
        if like and schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(
                f"CREATE INDEX {quote(name + '_like')} ON {quote(table)} "
                f"({quote(column)} varchar_pattern_ops)"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0007_user_language"),
        ("activity", "0011_event_kinds_of_confirmations_and_stuck_contacts"),
        ("contacts", "0004_contact_external_id"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="event",
                    name="contact",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="events",
                        to="contacts.contact",
                    ),
                ),
                migrations.AlterField(
                    model_name="event",
                    name="organization",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="events",
                        to="accounts.organization",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_indexes, make_indexes)],
        ),
    ]
