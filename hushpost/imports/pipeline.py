"""The one import pipeline: upload → (mapping) → background run in chunks → per-row report.

An upload is decoded (file_encoding), checked as a whole by the reader that
recognises it (readers), and stored encrypted on an ImportRun; a file that
can't be imported is refused there and nothing is stored. A worker then
claims the run with a conditional UPDATE and settles its records in chunks.
Each chunk is one transaction that writes its contacts or appointments, its
ImportRows and the new `rows_done`, so after a crash records [0, rows_done)
are all settled and reported and the next run starts there. Every chunk first
re-checks the heartbeat this worker last wrote, so a worker presumed dead and
replaced stops instead of writing twice. If a chunk fails unexpectedly, it is
rolled back and settled again one record at a time, so only the record at
fault is reported and the import goes on.
"""

from __future__ import annotations

import datetime
import logging
import traceback
from collections.abc import Sequence
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from hushpost.activity.log import record
from hushpost.activity.models import EventKind
from hushpost.heartbeat_jobs import HeartbeatJobs
from hushpost.imports import reason_texts as texts
from hushpost.imports.feed_polling import settle_feed
from hushpost.imports.file_encoding import UndecodableFile, decode_upload
from hushpost.imports.models import (
    ImportKind,
    ImportRow,
    ImportRun,
    ImportSource,
    ImportStatus,
    RowOutcome,
)
from hushpost.imports.readers import (
    ImportRefused,
    MappingInvalid,
    Reader,
    RowResult,
    Settler,
    reader_for_file,
    reader_of,
)
from hushpost.imports.reason_texts import english

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
CHUNK_SIZE = 200
# A chunk takes well under a second; a heartbeat this old means the worker died.
STALE_AFTER = datetime.timedelta(minutes=2)
# An upload nobody maps is deleted: the file holds contact data.
ABANDONED_AFTER = datetime.timedelta(days=1)
EVENT_KINDS: dict[str, EventKind] = {
    ImportKind.CONTACTS: EventKind.CONTACTS_IMPORTED,
    ImportKind.APPOINTMENTS: EventKind.APPOINTMENTS_IMPORTED,
}


class ClaimLost(Exception):
    """Another worker took this run over; this one must stop without writing."""


def create_run(
    organization,
    *,
    kind: str,
    file_name: str,
    data: bytes,
    user=None,
    actor_label: str = "",
    source: str = ImportSource.WEB,
    mapping: dict[str, str] | None = None,
    options: dict[str, Any] | None = None,
) -> ImportRun:
    """Check an upload and store it; raises ImportRefused (nothing stored) when it can't be
    imported. Queued at once unless staff are to map its columns first."""
    if kind not in ImportKind.values:
        raise ImportRefused("Choose what the file holds: contacts or appointments.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImportRefused(
            f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB; "
            "split it into smaller files."
        )
    if not data.strip():
        raise ImportRefused("The file is empty.")
    try:
        decoded = decode_upload(data)
    except UndecodableFile as error:
        raise ImportRefused(str(error)) from None
    if not decoded.text.strip():
        raise ImportRefused("The file is empty.")
    reader = reader_for_file(kind, file_name or "", decoded.text)
    run = ImportRun(
        organization=organization,
        kind=kind,
        format=reader.format,
        source=source,
        created_by=user,
        actor_label=actor_label[:200],
        file_name=(file_name or f"{kind}.{reader.extensions[0].lstrip('.')}")[:255],
        encoding=decoded.encoding,
        options=options or {},
    )
    prepared = reader.prepare(organization, decoded.text, mapping, now=run.created_at)
    run.headers = prepared.headers
    run.mapping = prepared.mapping
    run.total_rows = prepared.total
    run.notes = prepared.notes
    run.content = prepared.content
    waits_for_mapping = reader.maps_columns and mapping is None and source == ImportSource.WEB
    if not waits_for_mapping:
        problems = reader.mapping_problems(run.headers, run.mapping)
        if problems:
            raise MappingInvalid(
                [
                    "The columns could not all be recognised; give a mapping "
                    '{"column name": "target"}.',
                    *problems,
                ]
            )
    run.status = ImportStatus.MAPPING if waits_for_mapping else ImportStatus.QUEUED
    with transaction.atomic():
        if not waits_for_mapping:
            run.heartbeat_at = timezone.now()
            transaction.on_commit(partial(_enqueue, run.pk))
        run.save()
    return run


def refused_run(
    organization, *, kind: str, file_name: str, reason: str, user=None, actor_label: str = ""
) -> ImportRun:
    """A failed run that only records why a file was refused (for API clients to read back)."""
    now = timezone.now()
    return ImportRun.objects.create(
        organization=organization,
        kind=kind,
        format="",
        source=ImportSource.API,
        created_by=user,
        actor_label=actor_label[:200],
        file_name=(file_name or "upload")[:255],
        status=ImportStatus.FAILED,
        error=reason,
        finished_at=now,
    )


def start_run(run: ImportRun, mapping: dict[str, str], options: dict[str, Any]) -> bool:
    """Save the chosen mapping and queue the run; False when it was already started."""
    with transaction.atomic():
        started = ImportRun.objects.filter(pk=run.pk, status=ImportStatus.MAPPING).update(
            mapping=mapping,
            options={**run.options, **options},
            status=ImportStatus.QUEUED,
            heartbeat_at=timezone.now(),
        )
        if started:
            transaction.on_commit(partial(_enqueue, run.pk))
    return bool(started)


def _enqueue(run_id) -> None:
    from hushpost.imports.tasks import run_import_task

    run_import_task.enqueue(str(run_id))


JOBS = HeartbeatJobs(
    ImportRun, "status", ImportStatus.QUEUED, ImportStatus.RUNNING, _enqueue, STALE_AFTER
)
claim = JOBS.claim
resume_stale_runs = JOBS.resume_stale


def run_import(run_id) -> None:
    heartbeat = claim(run_id)
    if heartbeat is None:
        logger.info("import %s: not claimable (done, running elsewhere or gone)", run_id)
        return
    run = ImportRun.objects.select_related("organization", "created_by").get(pk=run_id)
    engine = _Engine(run, heartbeat)
    try:
        engine.settle_all()
    except ClaimLost:
        logger.warning("import %s: taken over by another worker; stopping", run_id)
    except Exception as error:  # noqa: BLE001
        # The task's last resort: whatever went wrong, the run is marked failed.
        # Only the exception's type and where it happened: its message may quote a row.
        _log_error(f"import {run_id} failed", error)
        engine.fail(error)


def _log_error(what: str, error: BaseException) -> None:
    logger.error(
        "%s (%s):\n%s",
        what,
        type(error).__name__,
        "".join(traceback.format_tb(error.__traceback__)),
    )


class _Engine:
    def __init__(self, run: ImportRun, heartbeat: datetime.datetime):
        self.run = run
        self.heartbeat = heartbeat
        self.reader: Reader = reader_of(run)

    def settle_all(self) -> None:
        self.records = list(self.reader.records(self.run))
        start = self.run.rows_done
        self.settler = self._fresh_settler(start)
        for chunk_start in range(start, len(self.records), CHUNK_SIZE):
            self.settle_chunk(chunk_start, self.records[chunk_start : chunk_start + CHUNK_SIZE])
        self.finish()

    def _fresh_settler(self, done: int) -> Settler:
        settler = self.reader.settler(self.run)
        if done:
            settler.remember(self.records[:done], list(ImportRow.objects.filter(run=self.run)))
        self.position = (
            ImportRow.objects.filter(run=self.run).aggregate(last=Max("position"))["last"] or 0
        )
        return settler

    def _fence(self, **changes) -> None:
        """Write `changes` only if this worker still holds the run (its heartbeat is unchanged)."""
        now = timezone.now()
        held = ImportRun.objects.filter(
            pk=self.run.pk, status=ImportStatus.RUNNING, heartbeat_at=self.heartbeat
        ).update(heartbeat_at=now, **changes)
        if not held:
            raise ClaimLost
        self.heartbeat = now

    def settle_chunk(self, start: int, records: Sequence[Any]) -> None:
        heartbeat = self.heartbeat
        try:
            with transaction.atomic():
                # First, so a second worker's claim waits on the row lock until this commits.
                self._fence()
                results = self.settler.settle(records)
                self._write(results, done=start + len(records))
            return
        except ClaimLost:
            raise
        except Exception as error:  # noqa: BLE001
            _log_error(
                f"import {self.run.pk}: chunk at record {start} failed; settling one by one", error
            )
        # The heartbeat the rolled-back transaction wrote was never stored.
        self.heartbeat = heartbeat
        # The chunk was rolled back: settle it again one record at a time, so only the
        # record at fault is reported and every other one is stored.
        self.settler = self._fresh_settler(start)
        for offset, one in enumerate(records):
            with transaction.atomic():
                self._fence()
                try:
                    # A savepoint: the record's own writes go if it fails, the fence stays.
                    with transaction.atomic():
                        results = self.settler.settle([one])
                    failed = None
                except Exception as error:  # noqa: BLE001
                    _log_error(f"import {self.run.pk}: record {start + offset} failed", error)
                    failed = error
                    results = [
                        RowResult(
                            RowOutcome.REJECTED,
                            line=getattr(one, "line", None),
                            uid=getattr(one, "uid", ""),
                            reasons=[english(texts.UNEXPECTED, error=type(error).__name__)],
                            values=getattr(one, "values", None),
                        )
                    ]
                self._write(results, done=start + offset + 1)
            if failed is not None:
                # What the failed record left in the settler's memory was rolled back too.
                self.settler = self._fresh_settler(start + offset + 1)

    def _write(self, results: list[RowResult], *, done: int) -> None:
        rows = []
        for result in results:
            self.position += 1
            row = ImportRow(
                run=self.run,
                position=self.position,
                line=result.line,
                uid=result.uid[:400],
                outcome=result.outcome,
                reasons=result.reasons,
                warnings=result.warnings,
                object_id=result.object_id,
            )
            if result.values is not None and result.outcome == RowOutcome.REJECTED:
                row.values = result.values
            rows.append(row)
        ImportRow.objects.bulk_create(rows)
        counts = {f"{outcome}_count": 0 for outcome in RowOutcome.values}
        for result in results:
            counts[f"{result.outcome}_count"] += 1
        self._fence(
            rows_done=done,
            **{name: F(name) + count for name, count in counts.items() if count},
        )

    def finish(self) -> None:
        with transaction.atomic():
            if self.run.options.get("feed"):
                # A calendar feed's run: the events gone from it are settled last, in the
                # transaction that ends the run, so a crash before it redoes them.
                results = settle_feed(self.run, self.records, self.settler)
                if results:
                    self._write(results, done=len(self.records))
            self._fence(status=ImportStatus.DONE, finished_at=timezone.now(), content_encrypted="")
            _record(self.run.pk, status="done")

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
            _record(self.run.pk, status="failed")


def _record(run_id, *, status: str) -> None:
    run = ImportRun.objects.select_related("organization", "created_by").get(pk=run_id)
    # Counts, the file name and the encoding only: nothing from the rows.
    record(
        run.organization,
        EVENT_KINDS[run.kind],
        actor=run.created_by,
        actor_label=run.actor_label,
        file_name=run.file_name,
        import_id=str(run.pk),
        status=status,
        encoding=run.encoding,
        rows=run.rows_done,
        **run.counts,
    )


def drop_abandoned_uploads(now: datetime.datetime | None = None) -> int:
    """Delete the file of uploads whose columns were never mapped; how many were dropped."""
    now = now or timezone.now()
    return ImportRun.objects.filter(
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


def run_now(run: ImportRun) -> ImportRun:
    """Settle a queued run in this process (the command line), then return it as it ended."""
    run_import(run.pk)
    return ImportRun.objects.get(pk=run.pk)
