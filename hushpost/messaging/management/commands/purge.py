from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from hushpost.messaging.retention import BATCH_SIZE, purge


class Command(BaseCommand):
    help = (
        "Delete messages, attachments, their deliveries and secure links older than the "
        "retention period (HUSHPOST_RETENTION_DAYS unless --older-than-days is given). "
        "The activity log is kept."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-days",
            type=int,
            help="the retention period in days (default: HUSHPOST_RETENTION_DAYS)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="only count what would be deleted"
        )
        parser.add_argument(
            "--batch-size", type=int, default=BATCH_SIZE, help="rows per transaction (default 500)"
        )

    def handle(self, *args, older_than_days, dry_run, batch_size, **options):
        days = older_than_days if older_than_days is not None else settings.HUSHPOST_RETENTION_DAYS
        if not days:
            raise CommandError(
                "Give --older-than-days N, or set HUSHPOST_RETENTION_DAYS; nothing was deleted."
            )
        if days < 1:
            raise CommandError("--older-than-days must be at least 1.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        results = purge(days, dry_run=dry_run, batch_size=batch_size)
        verb = "would delete" if dry_run else "deleted"
        for result in results:
            org = result.organization
            self.stdout.write(f"{org.name} ({org.slug}): {verb} {result.summary()}")
        if not results:
            self.stdout.write(f"Nothing older than {days} days.")
