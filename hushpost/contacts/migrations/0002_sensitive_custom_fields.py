from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0001_initial"),
    ]

    operations = [
        # `custom` becomes a Python property over two columns; the plain column
        # keeps its name in the database, so only the model state changes.
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RenameField(
                    model_name="contact", old_name="custom", new_name="custom_plain"
                ),
                migrations.AlterField(
                    model_name="contact",
                    name="custom_plain",
                    field=models.JSONField(blank=True, db_column="custom", default=dict),
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name="contact",
            name="custom_sensitive_encrypted",
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name="customfield",
            name="sensitive",
            field=models.BooleanField(
                default=False,
                help_text="Values are stored encrypted, like message bodies (for identifiers such as an ID or policy number).",
            ),
        ),
    ]
