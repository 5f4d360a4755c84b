"""`hushpost manage import`: the same pipeline, run in the foreground, with the same report."""

import io
import subprocess
import sys

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError

from hushpost.appointments.models import Appointment
from hushpost.contacts.models import Contact
from hushpost.imports.models import ImportRun
from tests.imports.fixtures import FIXTURES

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("import", *args, stdout=out)
    return out.getvalue()


def test_it_imports_contacts_and_prints_the_report(org_a):
    out = run(
        "--org", "riverside", "--kind", "contacts", str(FIXTURES / "outlook_contacts_ansi.csv")
    )
    lines = out.splitlines()
    assert lines[0] == (
        "Import of outlook_contacts_ansi.csv: contacts from a CSV file read as Windows-1252: done."
    )
    assert lines[1] == "3 added, 0 updated, 0 unchanged, 0 skipped, 1 rejected"
    assert "line 5: rejected: bad phone (not a valid mobile number; add the country code)" in lines
    assert any(line.startswith("line 3: added: ") and "Exchange address" in line for line in lines)
    assert Contact.objects.filter(name="Anna Åström").exists()
    assert ImportRun.objects.get().source == "cli"


def test_it_imports_a_calendar(org_a, alice):
    with time_machine.travel("2027-01-04T13:00:00Z", tick=False):
        out = run(
            "--org", "riverside", "--kind", "appointments", str(FIXTURES / "google_calendar.ics")
        )
    assert "Series 5q0v2b8k1m3n4p6r7s9t0u1v2w@google.com: 8 occurrences" in out
    assert "holiday-mlk-2027@google.com: rejected: all-day event (no start time)" in out
    assert Appointment.objects.count() == 10


@pytest.mark.parametrize(
    "args, message",
    [
        (
            ["--org", "nowhere", "--kind", "contacts", str(FIXTURES / "apple_contacts.csv")],
            "No organization has the slug",
        ),
        (["--org", "riverside", "--kind", "contacts", "/no/such/file.csv"], "Can't read"),
        (
            ["--org", "riverside", "--kind", "contacts", "--mapping", "{", "/no/such.csv"],
            "--mapping must be JSON",
        ),
    ],
)
def test_bad_input_is_one_line_and_stores_nothing(org_a, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not ImportRun.objects.exists()


def test_a_refused_file_says_why(org_a, tmp_path):
    junk = tmp_path / "contacts.csv"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(CommandError, match=r"contacts\.csv: The file is not text"):
        run("--org", "riverside", "--kind", "contacts", str(junk))
    assert not ImportRun.objects.exists() and not Contact.objects.exists()


def test_the_console_script_exits_non_zero_with_one_line(tmp_path):
    env_data = tmp_path / "data"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "hushpost.cli",
            "manage",
            "import",
            "--org",
            "riverside",
            "--kind",
            "contacts",
            str(tmp_path / "missing.csv"),
        ],
        capture_output=True,
        text=True,
        env={"HUSHPOST_DATA_DIR": str(env_data), "PATH": "/usr/bin:/bin"},
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1:] == [
        f"CommandError: Can't read {tmp_path / 'missing.csv'}: No such file or directory."
    ]
    assert len(result.stderr.strip().splitlines()) == 1
