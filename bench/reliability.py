"""The delivery fault scenarios, run for their figures: docs/RELIABILITY.md's table.

Runs tests/delivery/test_faults_processes.py (real `hushpost worker`
processes, a real SMTP server, the Twilio stand-in over HTTP) once on SQLite
and, when a PostgreSQL server URL is given, once on PostgreSQL; each scenario
writes what the provider got (tests/reliability.py `report`), and this prints
one table: sent, duplicates, lost, still queued/sending, time to drain.

    python -m bench.reliability                                  # SQLite only
    python -m bench.reliability --postgres postgresql://postgres@127.0.0.1:5432/hp_bench

The PostgreSQL database named in the URL is the one pytest-django creates its
test database next to (it makes test_<name>); it is never written itself.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = "tests/delivery/test_faults_processes.py"


def run(database_url: str | None, report: Path) -> int:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "HUSHPOST_DATA_DIR"}}
    env["HUSHPOST_DATA_DIR"] = tempfile.mkdtemp(prefix="hushpost-reliability-")
    env["HUSHPOST_RELIABILITY_REPORT"] = str(report)
    if database_url:
        env["DATABASE_URL"] = database_url
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "--create-db",
        SCENARIOS,
    ]
    return subprocess.call(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL if not os.environ.get("VERBOSE") else None,
    )


def table(rows: list[dict]) -> str:
    head = ["scenario", "database", "queued", "sent", "duplicates", "lost", "stuck", "seconds"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        lines.append("| " + " | ".join(str(row[key]) for key in head) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.reliability", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--postgres", metavar="URL", help="also run on this PostgreSQL server (postgresql://...)"
    )
    args = parser.parse_args(argv)
    if args.postgres and not args.postgres.startswith(("postgres://", "postgresql://")):
        print("bench.reliability: --postgres needs a postgresql:// URL", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.jsonl"
        report.touch()
        failed = 0
        for url in [None, *([args.postgres] if args.postgres else [])]:
            print(
                f"running the fault scenarios on {'PostgreSQL' if url else 'SQLite'} ...",
                file=sys.stderr,
                flush=True,
            )
            failed |= run(url, report) != 0
        rows = [json.loads(line) for line in report.read_text().splitlines() if line.strip()]
    print(table(rows))
    if failed:
        print(
            "bench.reliability: some scenarios failed (VERBOSE=1 shows pytest's output)",
            file=sys.stderr,
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
