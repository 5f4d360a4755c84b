"""The multiprocess directory every process the CLI starts shares.

Set before prometheus-client is first imported (it reads the variable then):
the CLI calls `prepare` before Django starts. Each process writes files named
by its pid; `hushpost run` starts them all together and so clears what an
earlier run left. An operator's own PROMETHEUS_MULTIPROC_DIR wins.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def prepare(*, fresh: bool) -> Path:
    existing = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    data_dir = Path(os.environ.get("HUSHPOST_DATA_DIR", "").strip() or "var").resolve()
    directory = Path(existing) if existing else data_dir / "metrics"
    if fresh and not existing and directory.exists():
        shutil.rmtree(directory)
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    return directory
