"""Scratch databases for tests that run Hushpost in other processes (upgrades, restores).

A scratch database is apart from the test database: on SQLite a file in its
own data dir, on PostgreSQL a database created on the test server and dropped
afterwards. `process_env()` gives a child process nothing of this process's
configuration but what is passed in.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def on_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"


def _pg_params(name: str) -> dict[str, str]:
    conf = settings.DATABASES["default"]
    return {
        "host": conf.get("HOST") or "127.0.0.1",
        "port": str(conf.get("PORT") or 5432),
        "user": conf.get("USER") or "postgres",
        "password": conf.get("PASSWORD") or "",
        "dbname": name,
    }


def pg_url(name: str) -> str:
    params = _pg_params(name)
    auth = quote(params["user"]) + (":" + quote(params["password"]) if params["password"] else "")
    return f"postgresql://{auth}@{params['host']}:{params['port']}/{name}"


def _pg_admin(sql: str) -> None:
    import psycopg

    params = _pg_params("postgres")
    with psycopg.connect(**params, autocommit=True) as conn:  # type: ignore[arg-type]
        conn.execute(sql)


@contextmanager
def scratch_database(data_dir: Path, label: str) -> Iterator[str]:
    """Yields the DATABASE_URL of an empty database ("" on SQLite: the data dir's file)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    if not on_postgres():
        yield ""
        return
    name = f"hushpost_{label}_{uuid.uuid4().hex[:10]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        yield pg_url(name)
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def process_env(data_dir: Path, database_url: str = "", **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(
            ("HUSHPOST_", "DATABASE_URL", "REDIS_URL", "DJANGO_", "TWILIO_", "SMTP_", "PYTHONPATH")
        )
    }
    env.update(
        HUSHPOST_DATA_DIR=str(data_dir),
        DJANGO_SETTINGS_MODULE="hushpost.settings",
        HUSHPOST_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
        **extra,
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


def run(argv: list[str], env: dict[str, str], cwd: Path = ROOT, timeout: int = 300) -> str:
    """Run a child to completion; its output is the failure message when it fails."""
    done = subprocess.run(
        argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise AssertionError(
            f"{' '.join(argv)} exited {done.returncode}:\n"
            f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
        )
    return done.stdout


def tagged_line(output: str, tag: str) -> str:
    """The payload of the child's line starting with `tag ` (its other lines are logs)."""
    for line in output.splitlines():
        if line.startswith(tag + " "):
            return line[len(tag) + 1 :]
    raise AssertionError(f"no {tag} line in:\n{output[-4000:]}")
