"""CSV contact import: upload, queue, run in chunks, resume, report.

A run settles the rows in chunks. Each chunk is one transaction that creates or
updates its contacts, writes its rejections and advances `rows_done`, so after
a crash rows [0, rows_done) are all imported or reported and the next run
starts at rows_done. The import row itself is the lock: a conditional UPDATE
claims it, and every chunk first re-checks the heartbeat it last wrote, so a
worker that was presumed dead and replaced stops instead of writing twice.
"""

from __future__ import annotations

import datetime
import logging
import traceback
from functools import partial

from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone

from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.contacts.csv_files import ParsedCsv, read_rows, write_rows
from hushpost.contacts.import_mapping import suggest_mapping
from hushpost.contacts.import_rows import (
    KEY_LABELS,
    CheckedRow,
    RowChecker,
    apply_row,
    contact_keys,
)
from hushpost.contacts.models import (
    Contact,
    ContactImport,
    CustomField,
    ImportRejection,
    ImportStatus,
    OnDuplicate,
)

logger = logging.getLogger(__name__)

CHUNK_SIZE = 200
# A chunk takes well under a second; a heartbeat this old means the worker died.
STALE_AFTER = datetime.timedelta(minutes=2)
# An upload nobody maps is deleted: the file holds contact data.
ABANDONED_AFTER = datetime.timedelta(days=1)
REJECTED_COLUMN = "rejected because"


class ClaimLost(Exception):
    """Another worker took this import over; this one must stop without writing."""


def create_import(organization, user, file_name: str, parsed: ParsedCsv) -> ContactImport:
    """Store a checked upload (csv_files.read_upload) encrypted, waiting for its mapping."""
    contact_import = ContactImport(
        organization=organization,
        created_by=user,
        file_name=(file_name or "contacts.csv")[:255],
        headers=parsed.headers,
        total_rows=len(parsed.rows),
        mapping=suggest_mapping(parsed.headers, list(CustomField.objects.for_org(organization))),
    )
    contact_import.content = parsed.text
    contact_import.save()
    return contact_import


def sample_rows(contact_import: ContactImport, count: int = 3) -> list[list[str]]:
    _, rows = read_rows(contact_import.content)
    return [row for row in rows if any(cell.strip() for cell in row)][:count]


def start_import(contact_import: ContactImport, mapping: dict[str, str], on_duplicate: str) -> bool:
    """Save the mapping and queue the import; False when it was already started."""
    with transaction.atomic():
        started = ContactImport.objects.filter(
            pk=contact_import.pk, status=ImportStatus.MAPPING
        ).update(
            mapping=mapping,
            on_duplicate=on_duplicate,
            status=ImportStatus.QUEUED,
            heartbeat_at=timezone.now(),
        )
        if started:
            transaction.on_commit(partial(_enqueue, contact_import.pk))
    return bool(started)


def _enqueue(import_id: int) -> None:
    from hushpost.contacts.tasks import import_contacts

    import_contacts.enqueue(import_id)


def claim(import_id: int, now: datetime.datetime | None = None) -> datetime.datetime | None:
    """Take the import for this worker; the heartbeat written is the token later chunks check."""
    now = now or timezone.now()
    claimable = Q(status=ImportStatus.QUEUED) | Q(
        Q(heartbeat_at__lt=now - STALE_AFTER) | Q(heartbeat_at__isnull=True),
        status=ImportStatus.RUNNING,
    )
    taken = ContactImport.objects.filter(claimable, pk=import_id).update(
        status=ImportStatus.RUNNING, heartbeat_at=now
    )
    return now if taken else None


def run_import(import_id: int) -> None:
    heartbeat = claim(import_id)
    if heartbeat is None:
        logger.info("contact import %s: not claimable (done, running elsewhere or gone)", import_id)
        return
    contact_import = ContactImport.objects.select_related("organization", "created_by").get(
        pk=import_id
    )
    run = _Run(contact_import, heartbeat)
    try:
        run.settle_all()
    except ClaimLost:
        logger.warning("contact import %s: taken over by another worker; stopping", import_id)
    except Exception as error:  # noqa: BLE001
        # The task's last resort: whatever went wrong, the import is marked failed.
        # Only the exception's type and where it happened: its message may quote a row.
        logger.error(
            "contact import %s failed (%s):\n%s",
            import_id,
            type(error).__name__,
            "".join(traceback.format_tb(error.__traceback__)),
        )
        run.fail(error)


class _Run:
    def __init__(self, contact_import: ContactImport, heartbeat: datetime.datetime):
        self.contact_import = contact_import
        self.organization = contact_import.organization
        self.heartbeat = heartbeat
        # (kind, value) -> the row that brought it, for duplicates within the file.
        self.seen: dict[tuple[str, str], int] = {}

    def settle_all(self) -> None:
        contact_import = self.contact_import
        headers, rows = read_rows(contact_import.content)
        fields = list(CustomField.objects.for_org(self.organization))
        self.checker = RowChecker(self.organization, contact_import.mapping, fields, len(headers))
        start = contact_import.rows_done
        self._remember_settled_rows(rows[:start])
        for chunk_start in range(start, len(rows), CHUNK_SIZE):
            self.settle_chunk(chunk_start, rows[chunk_start : chunk_start + CHUNK_SIZE])
        self.finish()

    def _remember_settled_rows(self, rows: list[list[str]]) -> None:
        """After a restart, learn which emails and phones the rows already imported brought."""
        rejected = set(self.contact_import.rejections.values_list("row_number", flat=True))
        for index, values in enumerate(rows):
            number = index + 2
            row = self.checker.check(number, values) if number not in rejected else None
            if row is not None and not row.reasons:
                for key in row.keys:
                    self.seen.setdefault(key, number)

    def _fence(self, **changes) -> None:
        """Write `changes` only if this worker still holds the import (its
        heartbeat is unchanged)."""
        now = timezone.now()
        held = ContactImport.objects.filter(
            pk=self.contact_import.pk, status=ImportStatus.RUNNING, heartbeat_at=self.heartbeat
        ).update(heartbeat_at=now, **changes)
        if not held:
            raise ClaimLost
        self.heartbeat = now

    def settle_chunk(self, start: int, rows: list[list[str]]) -> None:
        with transaction.atomic():
            # First, so a second worker's claim waits on the row lock until this chunk commits.
            self._fence()
            checked = [
                row
                for i, values in enumerate(rows)
                if (row := self.checker.check(start + i + 2, values))
            ]
            existing = self._existing_contacts(checked)
            created, updated, rejections = [], {}, []
            updated_rows = 0
            for row in checked:
                contact = self._match(row, existing)
                if row.reasons:
                    rejection = ImportRejection(
                        contact_import=self.contact_import,
                        row_number=row.number,
                        reasons=row.reasons,
                    )
                    rejection.values = row.values
                    rejections.append(rejection)
                    continue
                if contact is None:
                    contact = Contact(organization=self.organization)
                    created.append(contact)
                else:
                    updated[contact.pk] = contact
                    updated_rows += 1
                # The contact's keys before and after: a later row naming its
                # old phone is about the same person, not someone new.
                keys = row.keys + contact_keys(contact)
                apply_row(contact, row)
                for key in keys + contact_keys(contact):
                    self.seen.setdefault(key, row.number)
            Contact.objects.bulk_create(created)
            for contact in updated.values():
                contact.save()
            ImportRejection.objects.bulk_create(rejections)
            self._fence(
                rows_done=start + len(rows),
                created_count=F("created_count") + len(created),
                updated_count=F("updated_count") + updated_rows,
                rejected_count=F("rejected_count") + len(rejections),
            )

    def _existing_contacts(self, rows: list[CheckedRow]) -> dict[tuple[str, str], Contact]:
        emails = {value for row in rows for kind, value in row.keys if kind == "email"}
        phones = {value for row in rows for kind, value in row.keys if kind == "phone"}
        if not emails and not phones:
            return {}
        contacts = (
            Contact.objects.for_org(self.organization)
            .annotate(email_lower=Lower("email"))
            .filter(Q(email_lower__in=emails) | Q(phone__in=phones))
            .order_by("created_at", "pk")
        )
        found: dict[tuple[str, str], Contact] = {}
        for contact in contacts:
            for key in contact_keys(contact):
                found.setdefault(key, contact)
        return found

    def _match(self, row: CheckedRow, existing: dict[tuple[str, str], Contact]) -> Contact | None:
        """The contact this row updates, or None to create one; duplicates become reasons."""
        in_file = [
            (kind, self.seen[(kind, value)])
            for kind, value in row.keys
            if (kind, value) in self.seen
        ]
        for kind, number in in_file:
            row.reasons.append(
                f"duplicate: row {number} of this file has the same {KEY_LABELS[kind]}"
            )
        if in_file:
            return None
        matches = {
            kind: existing[(kind, value)] for kind, value in row.keys if (kind, value) in existing
        }
        if not matches:
            return None
        if self.contact_import.on_duplicate == OnDuplicate.REPORT:
            for kind in matches:
                row.reasons.append(
                    f"duplicate: a contact with the same {KEY_LABELS[kind]} already exists"
                )
            return None
        if len({contact.pk for contact in matches.values()}) > 1:
            row.reasons.append(
                "duplicate: the email and the mobile phone belong to two different contacts"
            )
            return None
        return next(iter(matches.values()))

    def finish(self) -> None:
        with transaction.atomic():
            self._fence(status=ImportStatus.DONE, finished_at=timezone.now(), content_encrypted="")
            self._record(status=ImportStatus.DONE)

    def fail(self, error: Exception) -> None:
        with transaction.atomic():
            try:
                self._fence(
                    status=ImportStatus.FAILED,
                    finished_at=timezone.now(),
                    content_encrypted="",
                    error=f"Stopped by an unexpected error ({type(error).__name__}). "
                    "The rows before it were imported or reported; import the rest again.",
                )
            except ClaimLost:
                return
            self._record(status=ImportStatus.FAILED)

    def _record(self, status: ImportStatus) -> None:
        done = ContactImport.objects.get(pk=self.contact_import.pk)
        # Counts and the file name only: nothing from the rows.
        record(
            self.organization,
            EventKind.CONTACTS_IMPORTED,
            actor=done.created_by,
            file_name=done.file_name,
            import_id=done.pk,
            status=status,
            rows=done.rows_done,
            created=done.created_count,
            updated=done.updated_count,
            rejected=done.rejected_count,
        )


def resume_stale_imports(now: datetime.datetime | None = None) -> int:
    """Queue again the imports whose task was lost or whose worker died; how many were."""
    now = now or timezone.now()
    stale = ContactImport.objects.filter(
        Q(heartbeat_at__lt=now - STALE_AFTER) | Q(heartbeat_at__isnull=True),
        status__in=[ImportStatus.QUEUED, ImportStatus.RUNNING],
    ).values_list("pk", "status", "heartbeat_at")
    resumed = 0
    for pk, status, heartbeat in stale:
        with transaction.atomic():
            # Conditional, so two schedulers don't both queue it; the fresh
            # heartbeat also makes a presumed-dead worker stop at its next chunk.
            taken = ContactImport.objects.filter(
                pk=pk, status=status, heartbeat_at=heartbeat
            ).update(status=ImportStatus.QUEUED, heartbeat_at=now)
            if taken:
                transaction.on_commit(partial(_enqueue, pk))
                resumed += 1
    return resumed


def drop_abandoned_uploads(now: datetime.datetime | None = None) -> int:
    """Delete the file of uploads that were never mapped; how many were dropped."""
    now = now or timezone.now()
    return ContactImport.objects.filter(
        status=ImportStatus.MAPPING, created_at__lt=now - ABANDONED_AFTER
    ).update(
        status=ImportStatus.FAILED,
        content_encrypted="",
        finished_at=now,
        error=(
            "The columns were never mapped, so the uploaded file was deleted. "
            "Upload it again to import it."
        ),
    )


def rejected_rows_csv(contact_import: ContactImport) -> str:
    """The rejected rows as uploaded, with a last column saying why, ready
    to fix and import again."""
    width = len(contact_import.headers)
    lines = [[*contact_import.headers, REJECTED_COLUMN]]
    for rejection in contact_import.rejections.all():
        values = rejection.values
        cells = values[:width] + [""] * (width - len(values))
        # Cells beyond the header go after the reason, so the reason stays in its column.
        lines.append([*cells, "; ".join(rejection.reasons), *values[width:]])
    return write_rows(lines)
