"""A real `hushpost web` (gunicorn) process serving the test database.

For tests that need the whole HTTP stack — gunicorn's parser, several worker
processes sharing one cache, the access log and stderr — rather than the
in-process test client. The test must commit its data (transactional_db):
the server is another process and sees only what is committed. It shares the
test run's data dir, so it has the same secret key and key ring.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[1]


def database_url() -> str:
    """The URL of the database this test run uses (the test database, not the configured one)."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host = db["HOST"] or "127.0.0.1"
    return f"postgresql://{user}{password}@{host}:{db['PORT'] or 5432}/{db['NAME']}"


def shared_cache() -> bool:
    """Whether every process sees the same cache (Redis or the database
    table), as throttles need."""
    return "locmem" not in settings.CACHES["default"]["BACKEND"]


@dataclass
class RealWeb:
    process: subprocess.Popen
    url: str
    access_log: Path
    stderr_path: Path

    def output(self) -> str:
        """Everything the server wrote: its stderr (the app's log lines) and the access log."""
        return (
            self.stderr_path.read_text(errors="replace")
            + "\n"
            + self.access_log.read_text(errors="replace")
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_web(
    tmp_path: Path,
    *,
    workers: int = 2,
    env: dict[str, str] | None = None,
    wait_path: str = "/accounts/login/",
) -> RealWeb:
    port = free_port()
    access_log = tmp_path / "access.log"
    access_log.touch()
    stderr_path = tmp_path / "web.stderr"
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HUSHPOST_", "DATABASE_URL", "REDIS_URL", "DJANGO_"))
    }
    clean.update(
        {
            "HUSHPOST_DATA_DIR": str(settings.DATA_DIR),
            "DATABASE_URL": database_url(),
            "HUSHPOST_BASE_URL": f"http://127.0.0.1:{port}",
            "HUSHPOST_ACCESS_LOG": str(access_log),
            "PYTHONUNBUFFERED": "1",
        }
    )
    if os.environ.get("REDIS_URL"):
        clean["REDIS_URL"] = os.environ["REDIS_URL"]
    clean.update(env or {})
    if not shared_cache():
        workers = 1  # a per-process cache would split the counters between workers
    with stderr_path.open("wb") as stderr:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "hushpost.cli",
                "web",
                "--bind",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
            ],
            cwd=ROOT,
            env=clean,
            stdout=stderr,
            stderr=stderr,
            start_new_session=True,
        )
    web = RealWeb(process, f"http://127.0.0.1:{port}", access_log, stderr_path)
    deadline = time.monotonic() + 120  # a busy CI machine boots Django slowly
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError("hushpost web stopped at start:\n" + web.output())
        try:
            with urllib.request.urlopen(web.url + wait_path, timeout=2) as response:
                if response.status == 200:
                    return web
        except OSError:
            time.sleep(0.2)
    web.stop()
    raise AssertionError("hushpost web never answered:\n" + web.output())
