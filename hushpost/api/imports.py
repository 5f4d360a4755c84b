"""/imports: upload a file of contacts or appointments, follow its run, read its per-row report.

The same pipeline as the staff pages and `hushpost manage import`
(imports.pipeline): the file is checked when it arrives and then settled in
the background. A file refused as a whole is answered 202 all the same, as
an import that `failed` with the reason, and nothing of it is stored; a
request that is itself wrong (no file, a mapping that isn't JSON or names
no column) is a 422.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Literal
from uuid import UUID

from ninja import Field, File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile

from hushpost.api.auth import actor_label
from hushpost.api.paging import Limit, Offset, page
from hushpost.api.problems import Invalid, NotFound
from hushpost.api.schemas import Problem, ValidationProblem
from hushpost.api.text_guard import problem_with
from hushpost.contacts.models import OnDuplicate
from hushpost.imports.models import ImportRun, ImportSource, RowOutcome
from hushpost.imports.pipeline import MAX_UPLOAD_BYTES, create_run, refused_run
from hushpost.imports.readers import ImportRefused, MappingInvalid
from hushpost.imports.uploads import upload_too_large

router = Router(tags=["imports"])

ITEM_ERRORS = {401: Problem, 404: Problem}
Kind = Literal["contacts", "appointments"]
Status_ = Literal["queued", "running", "done", "failed"]
Outcome = Literal["added", "updated", "unchanged", "skipped", "rejected"]


class ImportCreated(Schema):
    id: UUID
    kind: Kind
    status: Status_


class ImportCounts(Schema):
    added: int
    updated: int
    unchanged: int
    skipped: int
    rejected: int


class ImportOut(Schema):
    id: UUID
    kind: Kind
    status: Status_ = Field(..., description="queued, running, done or failed.")
    format: str = Field(..., description="How the file was read: csv, vcard or ics.")
    file_name: str
    encoding: str = Field(..., description="The text encoding the file was read in.")
    counts: ImportCounts
    reason: str = Field(..., description="Why the import failed; empty otherwise.")
    rows_total: int
    rows_done: int
    notes: list[str] = Field(
        ..., description="About the file as a whole: its time zone, occurrences per series…"
    )
    created_at: datetime
    finished_at: datetime | None


class ImportRowOut(Schema):
    line: int | None = Field(..., description="The line in the file (CSV rows, vCards).")
    uid: str = Field(
        ..., description="The event's UID (with /recurrence id for an occurrence of a series)."
    )
    outcome: Outcome
    reason: str = Field(..., description="Why rejected or skipped, and any warnings.")


class ImportRowList(Schema):
    items: list[ImportRowOut]
    count: int


def find_run(organization, run_id: UUID) -> ImportRun:
    run = ImportRun.objects.for_org(organization).filter(pk=run_id).first()
    if run is None:
        raise NotFound("No import with this id.")
    return run


def run_out(run: ImportRun) -> dict:
    return {
        "id": run.pk,
        "kind": run.kind,
        "status": run.api_status,
        "format": run.format,
        "file_name": run.file_name,
        "encoding": run.encoding,
        "counts": run.counts,
        "reason": run.error,
        "rows_total": run.total_rows,
        "rows_done": run.rows_done,
        "notes": run.notes,
        "created_at": run.created_at,
        "finished_at": run.finished_at,
    }


def _mapping(raw: str | None) -> dict[str, str] | None:
    if raw is None or not raw.strip():
        return None
    try:
        mapping = json.loads(raw)
    except ValueError:
        raise Invalid(
            [("mapping", 'Give the mapping as JSON: {"column name": "target"}.')]
        ) from None
    if not isinstance(mapping, dict) or not all(
        isinstance(key, str) and isinstance(value, str) for key, value in mapping.items()
    ):
        raise Invalid([("mapping", 'The mapping is an object of strings: {"column": "target"}.')])
    if any(problem_with(text) for pair in mapping.items() for text in pair):
        raise Invalid([("mapping", "The mapping holds text that can't be stored (NUL).")])
    return mapping


@router.post(
    "/imports",
    response={202: ImportCreated, 401: Problem, 422: ValidationProblem},
    summary="Import a file of contacts or appointments",
    description=(
        "Multipart form: `kind` (`contacts` or `appointments`), `file` (CSV, vCard .vcf for "
        "contacts, iCalendar .ics for appointments; any common encoding), optional `mapping` "
        'for a CSV as JSON `{"column name": "target"}` (without it the columns are '
        "recognised by their headers, as the staff app does), optional `on_duplicate` for "
        "contacts (`report` or `update`). Answers 202; follow `GET /imports/{id}`. A file "
        "refused as a whole is an import with status `failed` and its reason; nothing of it "
        "is stored."
    ),
)
def create_import(
    request,
    kind: Form[Kind],
    file: File[UploadedFile] = None,
    mapping: Form[str | None] = None,
    on_duplicate: Form[Literal["report", "update"]] = OnDuplicate.REPORT,
):
    if upload_too_large(request) or (file is not None and file.size > MAX_UPLOAD_BYTES):
        raise Invalid(
            [("file", f"The file is larger than {MAX_UPLOAD_BYTES // 1024 // 1024} MB; split it.")]
        )
    if file is None:
        raise Invalid([("file", "Send the file to import in the form field `file`.")])
    columns = _mapping(mapping)
    name = (file.name or "")[:255]
    label = actor_label(request)
    try:
        run = create_run(
            request.org,
            kind=kind,
            file_name=name,
            data=file.read(),
            actor_label=label,
            source=ImportSource.API,
            mapping=columns,
            options={"on_duplicate": on_duplicate} if kind == "contacts" else {},
        )
    except MappingInvalid as error:
        raise Invalid([("mapping", problem) for problem in error.problems]) from None
    except ImportRefused as error:
        run = refused_run(
            request.org, kind=kind, file_name=name, reason=str(error), actor_label=label
        )
    return Status(202, {"id": run.pk, "kind": run.kind, "status": run.api_status})


@router.get(
    "/imports/{import_id}", response={200: ImportOut, **ITEM_ERRORS}, summary="Get an import"
)
def get_import(request, import_id: UUID):
    """Its status (`queued`, `running`, `done`, `failed`), the encoding the file was read in,
    the counts so far and, for a failed import, the reason."""
    return run_out(find_run(request.org, import_id))


@router.get(
    "/imports/{import_id}/rows",
    response={200: ImportRowList, **ITEM_ERRORS, 422: ValidationProblem},
    summary="The per-row report of an import",
)
def list_import_rows(
    request,
    import_id: UUID,
    outcome: Outcome | None = Query(None, description="Only rows with this outcome."),
    limit: int = Limit(),
    offset: int = Offset(),
):
    """Each row, card, event or occurrence in file order: where it was, what became of it
    and why."""
    rows = find_run(request.org, import_id).rows.all()
    if outcome:
        rows = rows.filter(outcome=RowOutcome(outcome))
    items, count = page(rows, limit, offset)
    return {
        "items": [
            {"line": row.line, "uid": row.uid, "outcome": row.outcome, "reason": row.reason}
            for row in items
        ],
        "count": count,
    }
