"""Drop the delivery indexes that others cover, so each move of a delivery writes fewer.

Every claim and every acceptance rewrites the row and, as the status changes, an
entry in each of its indexes. `status` alone is covered by the queue's
(status, next_attempt_at, created_at) and by (send, status); `organization`
by (organization, -created_at); and PostgreSQL's second `provider_id` and
`status` indexes serve only LIKE, which nothing asks. `provider_id` keeps one
plain index (a provider's report names its message id).

Only the indexes are dropped (DROP INDEX): altering the fields instead would
rebuild the table on SQLite and re-check every foreign key on PostgreSQL.
Reversed, the indexes are made again.
"""

import django.db.models.deletion
from django.db import migrations, models

# (table, column, index, whether PostgreSQL also has its LIKE twin "<index>_like")
DROPPED = [
    ("delivery_delivery", "status", "delivery_delivery_status_6bbeb108", True),
    ("delivery_delivery", "provider_id", "delivery_delivery_provider_id_4595b02d", True),
    ("delivery_delivery", "organization_id", "delivery_delivery_organization_id_8eb45797", False),
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
        ("contacts", "0004_contact_external_id"),
        ("delivery", "0011_delivery_table_is_the_queue"),
        ("messaging", "0008_send_fan_out"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="delivery",
                    name="organization",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="deliveries",
                        to="accounts.organization",
                    ),
                ),
                migrations.AlterField(
                    model_name="delivery",
                    name="provider_id",
                    field=models.CharField(blank=True, max_length=100),
                ),
                migrations.AlterField(
                    model_name="delivery",
                    name="status",
                    field=models.CharField(
                        choices=[
                            ("queued", "Queued"),
                            ("sending", "Sending"),
                            ("sent", "Sent"),
                            ("delivered", "Delivered"),
                            ("failed", "Failed"),
                            ("held", "Held back"),
                        ],
                        default="queued",
                        max_length=10,
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop_indexes, make_indexes)],
        ),
        migrations.AddIndex(
            model_name="delivery",
            index=models.Index(fields=["provider_id"], name="delivery_provider_id_idx"),
        ),
    ]
