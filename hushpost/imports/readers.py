"""The readers the import pipeline runs, registered by the apps that own the data.

The pipeline (imports.pipeline) knows files, chunks, claims and reports; it
knows nothing of contacts or appointments. Each owning app registers a
Reader per file format in its AppConfig.ready() — contacts: CSV and vCard;
appointments: CSV and iCalendar — the way message templates are registered
with Field settings. `imports` imports neither app; they import it.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from hushpost.imports.models import ImportRow, ImportRun, RowOutcome


class ImportRefused(ValueError):
    """The file can't be imported at all; nothing is stored. The message says why."""


@dataclass
class Prepared:
    """What a reader found when it checked a whole upload, before anything is stored."""

    content: str  # The text the run will read (as uploaded, or rewritten plainly).
    total: int  # How many records the run will settle.
    headers: list[str] = field(default_factory=list)
    mapping: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class RowResult:
    outcome: RowOutcome
    line: int | None = None
    uid: str = ""
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    object_id: str = ""
    values: list[str] | None = None  # Kept encrypted for the rejected-rows download.


class Record:
    """One thing a reader settles: a CSV row, a vCard, an event or a series."""

    line: int | None = None
    uid: str = ""


class Settler(ABC):
    """Settles records of one run. Made afresh for every run and after any rollback."""

    # None only for a settler used outside an import run (an API upsert, say).
    run: ImportRun | None

    def __init__(self, run: ImportRun):
        self.run = run
        self.organization = run.organization

    def remember(self, records: Sequence[Any], rows: Sequence[ImportRow]) -> None:
        """After a restart: learn what the records already settled brought (default: nothing)."""
        return

    @abstractmethod
    def settle(self, records: Sequence[Any]) -> list[RowResult]:
        """Store these records, inside the pipeline's transaction; one or more results each."""

    def withdraw(self, uids: Sequence[str], *, now: datetime) -> list[RowResult]:
        """A feed no longer has the records with these UIDs: undo what they stored from
        `now` on (default: nothing; only calendars are fed)."""
        return []


class Reader(ABC):
    kind: ClassVar[str]  # ImportKind value
    format: ClassVar[str]  # "csv", "vcard", "ics"
    label: ClassVar[str]
    extensions: ClassVar[tuple[str, ...]]
    # Staff choose the columns on a mapping page before the run starts.
    maps_columns: ClassVar[bool] = False

    @abstractmethod
    def recognises(self, file_name: str, text: str) -> bool: ...

    @abstractmethod
    def prepare(
        self, organization, text: str, mapping: dict[str, str] | None, *, now: datetime
    ) -> Prepared:
        """Check the whole file; raise ImportRefused when it can't be imported.

        `mapping` is {"column name": target} from an API client or the command
        line; None means the reader recognises the columns itself."""

    def mapping_problems(self, headers: list[str], mapping: dict[str, str]) -> list[str]:
        """What stops a guessed mapping from being used without a person checking it."""
        return []

    @abstractmethod
    def records(self, run: ImportRun) -> Sequence[Any]:
        """The run's records, in order; the same list every time for the same run."""

    @abstractmethod
    def settler(self, run: ImportRun) -> Settler: ...


_READERS: list[Reader] = []


def register_reader(reader: Reader) -> None:
    if not any(type(known) is type(reader) for known in _READERS):
        _READERS.append(reader)


def readers_for(kind: str) -> list[Reader]:
    return [reader for reader in _READERS if reader.kind == kind]


def reader_of(run: ImportRun) -> Reader:
    for reader in readers_for(run.kind):
        if reader.format == run.format:
            return reader
    raise LookupError(f"no reader for {run.kind} {run.format}")


def reader_for_file(kind: str, file_name: str, text: str) -> Reader:
    """The reader that recognises this file (readers of a kind are asked in order)."""
    candidates = readers_for(kind)
    if not candidates:
        raise ImportRefused(f"Nothing can import {kind}.")
    for reader in candidates:
        if reader.recognises(file_name, text):
            return reader
    accepted = ", ".join(ext for reader in candidates for ext in reader.extensions)
    raise ImportRefused(f"This file is not one we can import as {kind}; use {accepted}.")


class MappingInvalid(ImportRefused):
    """A mapping given with the upload (API, command line) that can't be used; nothing stored."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(" ".join(problems))
