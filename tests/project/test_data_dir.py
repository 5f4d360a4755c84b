"""Generated files in the data dir: processes starting together on a fresh one
all end up with the same secret and key ring."""

from __future__ import annotations

import multiprocessing
import secrets
from pathlib import Path

from hushpost.data_dir import read_or_create

RACERS = 8


def _race(path: str, barrier) -> str:
    barrier.wait()
    return read_or_create(Path(path), lambda: secrets.token_urlsafe(50))


def test_processes_creating_the_same_file_at_once_all_read_one_value(tmp_path):
    path = tmp_path / "fresh" / "secret_key"
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        barrier = manager.Barrier(RACERS)
        with context.Pool(RACERS) as pool:
            values = pool.starmap(_race, [(str(path), barrier)] * RACERS)
    assert len(set(values)) == 1 and len(values[0]) >= 50
    assert path.read_text() == values[0]
    assert path.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in path.parent.iterdir()) == ["secret_key"]  # no temporaries


def test_an_existing_file_is_read_and_never_rewritten(tmp_path):
    path = tmp_path / "keys"
    path.write_text("dev1:kept\n")
    assert read_or_create(path, lambda: "dev1:new") == "dev1:kept"
    assert path.read_text() == "dev1:kept\n"
