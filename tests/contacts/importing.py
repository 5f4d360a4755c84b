"""Helpers for the import tests: an uploaded, mapped contacts import, and a crash."""

from hushpost.contacts.models import Contact, OnDuplicate
from hushpost.imports import pipeline
from hushpost.imports.models import ImportRun, ImportStatus, RowOutcome
from hushpost.imports.pipeline import create_run


def make_import(
    org, text, *, user=None, mapping=None, on_duplicate=OnDuplicate.REPORT, queued=True
) -> ImportRun:
    """A contacts CSV uploaded through the staff app (so waiting for its mapping), then mapped."""
    run = create_run(org, kind="contacts", file_name="contacts.csv", data=text.encode(), user=user)
    if mapping is not None:
        run.mapping = {str(index): target for index, target in enumerate(mapping)}
    if queued:
        run.status = ImportStatus.QUEUED
    run.options = {"on_duplicate": on_duplicate}
    run.save()
    return run


def reasons_by_row(run: ImportRun) -> dict[int, list[str]]:
    return {row.line: row.reasons for row in run.rows.filter(outcome=RowOutcome.REJECTED)}


class Crash(BaseException):
    """A worker killed mid-chunk: not an Exception, so nothing in the run catches it."""


def crash_once_on_chunk(monkeypatch, number):
    """Kill the run at the end of chunk `number`: its contacts are written,
    its commit never comes."""
    real = pipeline._Engine._fence
    calls = {"n": 0}

    def fence(self, **changes):
        if "rows_done" in changes:
            calls["n"] += 1
            if calls["n"] == number:
                assert Contact.objects.filter(
                    name="Person 5"
                ).exists()  # written, not yet committed
                raise Crash
        return real(self, **changes)

    monkeypatch.setattr(pipeline._Engine, "_fence", fence)


def crash_test_file() -> str:
    """17 rows: row 5 has a bad email, row 14 repeats row 3's email across a chunk boundary."""
    lines = ["Name,Phone,Email"]
    for i in range(17):
        email = f"p{i}@example.com"
        if i == 3:
            email = "not-an-email"
        if i == 12:
            email = "p1@example.com"  # in chunk 3; its twin is in chunk 1
        lines.append(f"Person {i},+1415555{1000 + i},{email}")
    return "\n".join(lines) + "\n"
