from django.core.management.base import BaseCommand, CommandError

from hushpost.crypto.keyring import KeyRingError, keyring
from hushpost.crypto.rotation import DEFAULT_BATCH_SIZE, Progress, Target, rotate, survey, targets


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored encrypted value under the first key in HUSHPOST_KEYS, in batches, "
        "while the service runs. Safe to interrupt and run again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help="rows per transaction (default 500)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="only count what is still under an older key"
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help=(
                "exit non-zero if anything is still under an older key (run before removing a key)"
            ),
        )

    def handle(self, *args, batch_size, dry_run, check, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            current = keyring().current_id
        except KeyRingError as error:
            raise CommandError(str(error)) from None
        if dry_run or check:
            return self._survey(current, check)
        unreadable = []
        for target in targets():
            unreadable.extend(self._rotate(target, batch_size).unreadable)
        if unreadable:
            more = f" (and {len(unreadable) - 1} more)" if len(unreadable) > 1 else ""
            raise CommandError(f"{unreadable[0]}; left as it is{more}.")
        self.stdout.write(f"Everything is encrypted under key {current!r}.")

    def _rotate(self, target: Target, batch_size: int) -> Progress:
        """Rotate one target, reporting after each batch (or once, when there was none)."""
        batches: list[Progress] = []

        def on_batch(progress: Progress) -> None:
            batches.append(progress)
            self._report(progress)

        progress = rotate(target, batch_size=batch_size, on_batch=on_batch)
        if not batches:
            self._report(progress)
        return progress

    def _report(self, progress: Progress) -> None:
        self.stdout.write(f"{progress.target.label}: {progress.done}/{progress.total}")

    def _survey(self, current: str, check: bool) -> None:
        left_total = 0
        old: set[str] = set()
        for found in survey():
            left_total += found.left
            old |= found.key_ids
            keys = f" (under {', '.join(sorted(found.key_ids))})" if found.key_ids else ""
            self.stdout.write(
                f"{found.target.label}: {found.left} of {found.total} not under {current!r}{keys}"
            )
        if not left_total:
            self.stdout.write(
                f"Everything is encrypted under key {current!r}; older keys can be removed."
            )
            return
        summary = (
            f"{left_total} values are still under older keys ({', '.join(sorted(old))}); "
            "run rotate-keys."
        )
        if check:
            raise CommandError(summary)
        self.stdout.write(summary)
