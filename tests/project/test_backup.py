"""Backups that restore: the documented procedure, run for real (docs/OPERATIONS.md, Backups).

A realistic install sends a secure text with a PIN through the Twilio
stand-in and leaves a second one queued. The backup is taken while another
thread keeps writing: on SQLite with `hushpost manage backup FILE` (SQLite's
online backup), on PostgreSQL with `pg_dump --format=custom`. The backup is
restored into a new data dir (and, on PostgreSQL, a new database) with the
install's key ring and secret key; there the contact opens the old link with
the PIN, the conversation decrypts, and the worker sends the queued text
once and the sent one not again, counted at the stand-in. Restored without
its key ring, the same backup is unreadable.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from hushpost.activity.log import record
from hushpost.activity.models import Event, EventKind
from hushpost.contacts.models import Contact
from hushpost.crypto.keyring import generate_key
from hushpost.messaging.compose import send_message
from tests.project.scratch_db import (
    PYTHON,
    ROOT,
    on_postgres,
    process_env,
    run,
    scratch_database,
    tagged_line,
)
from tests.reliability import database_url
from tests.worker_run import run_worker

pytestmark = pytest.mark.django_db(transaction=True)

AFTER_RESTORE = Path(__file__).with_name("restore") / "after_restore.py"
HUSHPOST = Path(PYTHON).with_name("hushpost")
BODY = "Backup-secret 5521: your results are in"
LATER = "Backup-secret 5522: a reminder sent after the backup"
PIN = "K7M3Q9W2"


@contextmanager
def busy_writer(organization) -> Iterator[list[int]]:
    """Another thread recording events back to back until the block ends; yields their ids."""
    written: list[int] = []
    started = threading.Event()
    stop = threading.Event()

    def write() -> None:
        try:
            while not stop.is_set():
                event = record(organization, EventKind.SETTINGS_CHANGED, actor_label="writer")
                written.append(event.pk)
                if len(written) == 5:
                    started.set()
        finally:
            started.set()
            connection.close()

    thread = threading.Thread(target=write)
    thread.start()
    started.wait(timeout=60)
    try:
        yield written
    finally:
        stop.set()
        thread.join(timeout=60)


def secrets_env() -> dict[str, str]:
    """The key ring and secret key the install runs with: a restore needs both."""
    ring = settings.HUSHPOST_KEYS or (Path(settings.DATA_DIR) / "keys").read_text().strip()
    return {"HUSHPOST_KEYS": ring, "HUSHPOST_SECRET_KEY": settings.SECRET_KEY}


def twilio_env(standin) -> dict[str, str]:
    return {
        "TWILIO_ACCOUNT_SID": standin.account_sid,
        "TWILIO_AUTH_TOKEN": standin.auth_token,
        "TWILIO_FROM_NUMBER": standin.from_number,
        "TWILIO_API_BASE_URL": standin.url,
    }


def take_backup(directory: Path) -> Path:
    """The documented backup of the test database, taken by the real tools in another process."""
    if on_postgres():
        dump = directory / "hushpost.dump"
        subprocess.run(
            ["pg_dump", "--format=custom", f"--file={dump}", database_url()],
            check=True,
            capture_output=True,
            timeout=120,
        )
        return dump
    copy = directory / "backup.sqlite3"
    env = process_env(Path(settings.DATA_DIR), database_url())
    printed = run([str(HUSHPOST), "manage", "backup", str(copy)], env)
    assert printed.startswith("Backed up ") and str(copy) in printed
    return copy


def restore(backup: Path, data_dir: Path, scratch_url: str) -> None:
    """The documented restore: the file into place, or pg_restore into an empty database."""
    if on_postgres():
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={scratch_url}", str(backup)],
            check=True,
            capture_output=True,
            timeout=120,
        )
    else:
        shutil.copyfile(backup, data_dir / "hushpost.sqlite3")


def test_a_backup_taken_while_writing_restores_into_a_working_install(
    org_a, alice, secure_on, twilio_standin, tmp_path
):
    jane = Contact(organization=org_a, name="Jane Roe", phone="+14155550100")
    jane.secure_pin = PIN
    jane.save()
    send_message(org_a, contacts=[jane], channel="sms", secure=True, sender=alice, body=BODY)
    run_worker()
    assert len(twilio_standin.sent) == 1
    token = re.search(r"/s/([A-Za-z0-9_-]{20,})", twilio_standin.sent[0]["body"]).group(1)
    # Queued when the backup is taken: the restored install must send it.
    send_message(org_a, contacts=[jane], channel="sms", secure=True, sender=alice, body=LATER)

    with busy_writer(org_a) as written:
        before = len(written)
        backup = take_backup(tmp_path)
        during = len(written)
    assert during > before >= 5  # the writer really was writing around the backup

    data_dir = tmp_path / "restored"
    given = {"token": token, "pin": PIN, "body": BODY}
    with scratch_database(data_dir, "restore") as scratch_url:
        restore(backup, data_dir, scratch_url)
        restored_events = _count_events(data_dir, scratch_url)
        env = process_env(data_dir, scratch_url, **secrets_env(), **twilio_env(twilio_standin))
        # The procedure's last step before starting: migrate (this also makes the
        # database cache's table, which a dump of an install using Redis lacks).
        run([str(HUSHPOST), "manage", "migrate", "--noinput", "-v", "0"], env)
        found = json.loads(
            tagged_line(run([PYTHON, str(AFTER_RESTORE), json.dumps(given)], env), "RESTORED")
        )

        # The same backup with a key ring that isn't the install's: nothing decrypts.
        strangers = {**secrets_env(), "HUSHPOST_KEYS": f"dev1:{generate_key()}"}
        without_keys = json.loads(
            tagged_line(
                run(
                    [PYTHON, str(AFTER_RESTORE), json.dumps({**given, "read_only": True})],
                    process_env(data_dir, scratch_url, **strangers),
                ),
                "RESTORED",
            )
        )

    assert found["bodies"] == sorted([BODY, LATER])
    assert found["link_status"] == 302
    assert found["link_location"].startswith("/s/conversation/")
    assert found["conversation_shows_body"]
    # The queued text went out once after the restore; the sent one was not sent again.
    assert [sent["body"].count("/s/") for sent in twilio_standin.sent] == [1, 1]
    assert len(twilio_standin.sent) == 2
    assert all(sent["to"] == jane.phone for sent in twilio_standin.sent)
    assert found["statuses"] == ["sent", "sent"]
    # A consistent copy: everything committed before the backup began, nothing half-written.
    baseline = Event.objects.exclude(pk__in=written).count()
    assert baseline + before <= restored_events <= baseline + during

    assert without_keys["bodies"] is None
    assert "does not match its key" in without_keys["decryption_error"]


def _count_events(data_dir: Path, scratch_url: str) -> int:
    if scratch_url:
        import psycopg

        with psycopg.connect(scratch_url) as db:
            return db.execute("SELECT count(*) FROM activity_event").fetchone()[0]
    with closing(sqlite3.connect(data_dir / "hushpost.sqlite3")) as db:
        return db.execute("SELECT count(*) FROM activity_event").fetchone()[0]


@pytest.fixture
def sqlite_only():
    if on_postgres():
        pytest.skip("SQLite only: PostgreSQL is backed up with pg_dump")


def test_backup_refuses_to_overwrite_a_file_unless_forced(sqlite_only, tmp_path):
    env = process_env(Path(settings.DATA_DIR), database_url())
    target = tmp_path / "backup.sqlite3"
    target.write_text("yesterday's backup")
    refused = subprocess.run(
        [str(HUSHPOST), "manage", "backup", str(target)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode != 0
    assert refused.stderr.strip().splitlines() == [
        f"CommandError: {target} already exists; give --force to overwrite it."
    ]
    assert target.read_text() == "yesterday's backup"

    run([str(HUSHPOST), "manage", "backup", "--force", str(target)], env)
    with closing(sqlite3.connect(target)) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("SELECT count(*) FROM django_migrations").fetchone()[0] > 40
    assert target.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["backup.sqlite3"]  # no temporary left


def test_backup_on_postgresql_points_to_pg_dump(postgres_only, tmp_path):
    env = process_env(tmp_path, database_url())
    refused = subprocess.run(
        [str(HUSHPOST), "manage", "backup", str(tmp_path / "backup.sqlite3")],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode != 0
    (line,) = refused.stderr.strip().splitlines()
    assert "this install uses postgresql" in line and "pg_dump --format=custom" in line
    assert not (tmp_path / "backup.sqlite3").exists()
