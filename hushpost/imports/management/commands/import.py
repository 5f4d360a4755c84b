import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hushpost.accounts.models import Organization
from hushpost.imports.models import ImportKind, ImportRun, ImportSource, RowOutcome
from hushpost.imports.pipeline import create_run, run_now
from hushpost.imports.readers import ImportRefused

QUIET_OUTCOMES = (RowOutcome.ADDED, RowOutcome.UNCHANGED, RowOutcome.UPDATED)


class Command(BaseCommand):
    help = (
        "Import a file of contacts (CSV, vCard) or appointments (CSV, iCalendar) for an "
        "organization, through the same pipeline as the staff app and the API, and print "
        "its report. Exits non-zero when the file is refused or the import fails."
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", required=True, help="the organization's slug")
        parser.add_argument("--kind", required=True, choices=ImportKind.values)
        parser.add_argument("file", help="the file to import")
        parser.add_argument(
            "--mapping",
            help='for a CSV: JSON {"column name": "target"}; without it the headers are read',
        )
        parser.add_argument(
            "--on-duplicate",
            choices=["report", "update"],
            default="report",
            help="contacts: what a row with a known email or phone does (default: report)",
        )
        parser.add_argument(
            "--all-rows", action="store_true", help="print every row, not only those to look at"
        )

    def handle(self, *args, org, kind, file, mapping, on_duplicate, all_rows, **options):
        columns = None
        if mapping:
            try:
                columns = json.loads(mapping)
            except ValueError:
                raise CommandError('--mapping must be JSON: {"column name": "target"}.') from None
            if not isinstance(columns, dict):
                raise CommandError('--mapping must be a JSON object: {"column name": "target"}.')
        path = Path(file)
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Can't read {file}: {error.strerror or error}.") from None
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            raise CommandError(f"No organization has the slug “{org}”.")
        try:
            run = create_run(
                organization,
                kind=kind,
                file_name=path.name,
                data=data,
                actor_label="command line",
                source=ImportSource.CLI,
                mapping=columns,
                options={"on_duplicate": on_duplicate} if kind == ImportKind.CONTACTS else {},
            )
        except ImportRefused as error:
            raise CommandError(f"{path.name}: {' '.join(str(error).split())}") from None
        run = run_now(run)
        self._report(run, all_rows)
        if run.status != "done":
            raise CommandError(f"{path.name}: the import failed: {run.error}")

    def _report(self, run: ImportRun, all_rows: bool) -> None:
        write = self.stdout.write
        write(
            f"Import of {run.file_name}: {run.kind} from {run.format_label} "
            f"read as {run.encoding}: {run.get_status_display().lower()}."
        )
        write(", ".join(f"{count} {outcome}" for outcome, count in run.counts.items()))
        for note in run.notes:
            write(note)
        for row in run.rows.all():
            if not all_rows and row.outcome in QUIET_OUTCOMES and not row.warnings:
                continue
            where = (
                f"line {row.line}"
                if row.line and run.format == "csv"
                else (row.uid or f"line {row.line}")
            )
            reason = f": {row.reason}" if row.reason else ""
            write(f"{where}: {row.outcome}{reason}")
