"""An install of the last release upgrades to the current code with its data intact,
and every migration can be undone.

The release's own tree (`git archive` of the tag) builds a scratch database
with its migrations and fills it through its own code, in a child process
(tests/project/upgrade/fill_release.py). The current code then migrates that
database and reads it back (upgrade/read_back.py): the contact's PIN and
sensitive field decrypt, the message and its file decrypt, the link the
release sent still opens with its PIN, the email the release left queued
is sent once, and the release's events are sealed into an intact audit
chain. The upgraded schema must equal a fresh install's: an edited migration
that an existing install never runs again would show there.

Both runs use the current virtualenv: the release needs nothing that is not
still installed (if that ever changes, the child's ImportError says what).
The scratch database is SQLite, or a database created on the PostgreSQL
server when the suite runs with DATABASE_URL.
"""

from __future__ import annotations

import json
import subprocess
import tarfile
from io import BytesIO
from pathlib import Path

import pytest

from tests.project.scratch_db import (
    PYTHON,
    ROOT,
    process_env,
    run,
    scratch_database,
    tagged_line,
)

RELEASE_TAG = "v0.1.0"
RELEASE_COMMIT = "3a48d899d310e1968f36cd8872c2e8fe11123fae"
SCRIPTS = Path(__file__).with_name("upgrade")
MIGRATE = [PYTHON, "-m", "hushpost.cli", "manage", "migrate", "--noinput", "-v", "0"]


def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, check=False)


def release_commit() -> str:
    """The release's commit: the tag when the clone has it, else the recorded hash."""
    tagged = _git("rev-parse", "--verify", "--quiet", f"{RELEASE_TAG}^{{commit}}")
    if tagged.returncode == 0:
        commit = tagged.stdout.decode().strip()
        assert commit == RELEASE_COMMIT, (
            f"{RELEASE_TAG} points to {commit}, not the released {RELEASE_COMMIT}: "
            "a release tag must never move"
        )
        return commit
    if _git("cat-file", "-e", f"{RELEASE_COMMIT}^{{commit}}").returncode == 0:
        return RELEASE_COMMIT
    pytest.fail(
        f"The upgrade test needs release {RELEASE_TAG} ({RELEASE_COMMIT}) in this clone's "
        "history, and neither the tag nor the commit is there: use a full clone, or "
        "`git fetch --tags --unshallow`."
    )


def release_tree(destination: Path) -> Path:
    """The release's `hushpost` package, extracted under `destination`."""
    archive = _git("archive", "--format=tar", release_commit(), "hushpost")
    assert archive.returncode == 0, archive.stderr.decode()
    with tarfile.open(fileobj=BytesIO(archive.stdout)) as tar:
        tar.extractall(destination, filter="data")
    return destination


def schema_of(env: dict[str, str]) -> dict:
    return json.loads(tagged_line(run([PYTHON, str(SCRIPTS / "schema.py")], env), "SCHEMA"))


def test_a_release_install_upgrades_with_its_data_readable(tmp_path):
    release = release_tree(tmp_path / "release")
    data = tmp_path / "data"
    with scratch_database(data, "upgrade") as database_url:
        # The release, as it ran: its tree first on the path, its migrations, its code writing.
        old = process_env(data, database_url, PYTHONPATH=str(release))
        run(MIGRATE, old, release)
        filled = json.loads(
            tagged_line(run([PYTHON, str(SCRIPTS / "fill_release.py")], old, release), "FILLED")
        )
        assert filled["release_code"].startswith(str(release))

        # The current code takes over the same database, data dir and keys.
        new = process_env(data, database_url)
        run(MIGRATE, new)
        read = json.loads(
            tagged_line(
                run([PYTHON, str(SCRIPTS / "read_back.py"), json.dumps(filled)], new), "READ"
            )
        )
        upgraded_schema = schema_of(new)

    assert read["current_code"].startswith(str(ROOT))
    assert read["pin"] == filled["pin"]
    assert read["sensitive"] == filled["sensitive"]
    assert read["default_pin"] == filled["default_pin"]
    assert read["body"] == filled["body"]
    assert read["attachment"] == filled["attachment"]
    assert read["appointment"] == ["Follow-up", filled["appointment_start"], filled["jane"]]
    assert read["events_before"] == filled["events"]
    # The release's events were sealed into the audit chain by the upgrade, and new ones follow.
    assert read["audit_after_upgrade"] == f"riverside: intact ({len(filled['events'])} events)"
    assert read["audit_after_use"].startswith("riverside: intact (")
    assert read["link_status"] == 302
    assert read["link_location"].startswith("/s/conversation/")
    assert read["conversation_shows_body"]
    assert filled["queued_status"] == "queued"
    assert read["queued_status"] in {"sent", "delivered"}
    assert read["queued_sent_times"] == 1
    assert read["sent_delivery_times"] == 1

    fresh_data = tmp_path / "fresh"
    with scratch_database(fresh_data, "fresh") as database_url:
        fresh = process_env(fresh_data, database_url)
        run(MIGRATE, fresh)
        fresh_schema = schema_of(fresh)
    assert sorted(upgraded_schema) == sorted(fresh_schema)
    for table, shape in fresh_schema.items():
        assert upgraded_schema[table] == shape, f"{table} differs after the upgrade"


def test_every_migration_can_be_undone_and_done_again(tmp_path):
    data = tmp_path / "data"
    with scratch_database(data, "reverse") as database_url:
        env = process_env(data, database_url)
        output = run([PYTHON, str(SCRIPTS / "reverse.py")], env)
    report = json.loads(tagged_line(output, "REVERSED"))
    assert report["applied_after_zero"] == []
    assert report["unapplied_at_the_end"] == []
    # Every migration file of ours took part.
    assert report["migrations"] == len(list((ROOT / "hushpost").glob("*/migrations/0*.py")))
