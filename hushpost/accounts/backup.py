"""An online backup of the SQLite database, safe while the web, worker and scheduler run.

SQLite's backup API (`sqlite3.Connection.backup`) copies the database page by
page from one read transaction. In WAL mode a reader never blocks writers, so
the product keeps working, and the copy is the database as it was when the
read began: consistent, with every committed transaction before that and none
after. The whole copy is one step (pages=-1): copied in steps, any write by
another process between two steps restarts the copy, and a busy install might
never finish.

The copy is written under a temporary name beside the destination, checked
(`PRAGMA quick_check`), and only then renamed into place, so a backup that
fails or is interrupted never leaves a half-written file under the name.

PostgreSQL has its own tool for this (pg_dump); docs/OPERATIONS.md gives both.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from django.db import connection

PG_DUMP_HINT = (
    'pg_dump --format=custom --file=hushpost.dump "$DATABASE_URL" (docs/OPERATIONS.md, Backups)'
)


class BackupError(Exception):
    """The backup was refused or failed; the message is one line for the operator."""


@dataclass(frozen=True)
class BackupResult:
    path: Path
    pages: int
    size: int


def backup_sqlite(destination: Path, *, overwrite: bool = False) -> BackupResult:
    if connection.vendor != "sqlite":
        raise BackupError(
            f"backup copies a SQLite database; this install uses {connection.vendor}: "
            f"back it up with {PG_DUMP_HINT}."
        )
    source = Path(connection.settings_dict["NAME"])
    destination = destination.expanduser().resolve()
    if destination == source.resolve():
        raise BackupError(f"{destination} is the live database; choose another file.")
    if destination.exists() and not overwrite:
        raise BackupError(f"{destination} already exists; give --force to overwrite it.")
    if not destination.parent.is_dir():
        raise BackupError(f"{destination.parent} is not a directory.")
    if not source.exists():
        raise BackupError(f"there is no database at {source} to back up.")

    fd, temporary = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.name}.")
    os.close(fd)
    try:
        # The copy holds names, phone numbers and addresses in plain columns.
        os.chmod(temporary, 0o600)
        _copy(source, Path(temporary))
        os.replace(temporary, destination)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return BackupResult(destination, _page_count(destination), destination.stat().st_size)


def _copy(source: Path, target: Path) -> None:
    # A connection of its own (not Django's): the read transaction of the copy
    # must not mix with whatever the caller's connection is doing.
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=20)
    writer = sqlite3.connect(target)
    try:
        reader.backup(writer, pages=-1)
        # The copy stays a plain rollback-journal file: one self-contained file
        # to store; the product switches it back to WAL when it opens it.
        writer.execute("PRAGMA journal_mode=DELETE")
        (verdict,) = writer.execute("PRAGMA quick_check").fetchone()
        if verdict != "ok":
            raise BackupError(f"the copy failed its integrity check: {verdict}")
    except sqlite3.Error as error:
        raise BackupError(f"the backup failed: {error}") from None
    finally:
        writer.close()
        reader.close()


def _page_count(path: Path) -> int:
    with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        return db.execute("PRAGMA page_count").fetchone()[0]
