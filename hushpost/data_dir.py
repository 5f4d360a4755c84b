"""Files an install generates once in its data dir (the development secret key,
the development key ring).

Several processes can start at once on a fresh data dir (`hushpost run`'s
web, worker and scheduler; a test run's workers), and they must all end up
with the same value. So the file is written whole under a temporary name and
then linked into place, which fails if another process got there first: the
winner's file is then read. Nobody ever sees a half-written file.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def read_or_create(path: Path, make: Callable[[], str]) -> str:
    """The file's content, stripped; written first from `make()` when it doesn't exist."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "w") as fh:
                fh.write(make())
            os.chmod(temporary, 0o600)
            try:
                os.link(temporary, path)
            except FileExistsError:
                pass  # another process created it first: use theirs
        finally:
            os.unlink(temporary)
    return path.read_text().strip()
