from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hushpost.accounts.backup import BackupError, backup_sqlite


class Command(BaseCommand):
    help = (
        "Copy the SQLite database to FILE while Hushpost runs (SQLite's online backup). "
        "On PostgreSQL use pg_dump instead. Keep the key ring and secret key with the "
        "backup, stored apart from it: without them it cannot be read."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="where to write the copy")
        parser.add_argument(
            "--force", action="store_true", help="overwrite FILE when it already exists"
        )

    def handle(self, *args, file, force, **options):
        try:
            result = backup_sqlite(Path(file), overwrite=force)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Backed up {result.pages} pages ({result.size / 1_000_000:.1f} MB) to {result.path}. "
            "It is unreadable without this install's HUSHPOST_KEYS and HUSHPOST_SECRET_KEY "
            "(in development: keys and secret_key in the data dir): keep those too, apart."
        )
