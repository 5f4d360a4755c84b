"""Helpers for the import tests: an uploaded, mapped import ready to run, and the worker."""

import signal

from django.core.management import call_command

from hushpost.contacts import csv_import
from hushpost.contacts.csv_files import read_upload
from hushpost.contacts.csv_import import create_import
from hushpost.contacts.models import Contact, ContactImport, ImportStatus, OnDuplicate


def make_import(
    org, text, *, user=None, mapping=None, on_duplicate=OnDuplicate.REPORT, queued=True
) -> ContactImport:
    contact_import = create_import(org, user, "contacts.csv", read_upload(text.encode()))
    if mapping is not None:
        contact_import.mapping = {str(index): target for index, target in enumerate(mapping)}
    if queued:
        contact_import.status = ImportStatus.QUEUED
    contact_import.on_duplicate = on_duplicate
    contact_import.save()
    return contact_import


def run_worker() -> None:
    """Run every queued task once, as `manage db_worker --batch` would, then give Ctrl-C back."""
    handlers = {
        sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)
    }
    try:
        call_command(
            "db_worker",
            "--batch",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            "0",
            verbosity=0,
        )
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)


class Crash(BaseException):
    """A worker killed mid-chunk: not an Exception, so nothing in the run catches it."""


def crash_once_on_chunk(monkeypatch, number):
    """Kill the run at the end of chunk `number`: its contacts are written,
    its commit never comes."""
    real = csv_import._Run._fence
    calls = {"n": 0}

    def fence(self, **changes):
        if "rows_done" in changes:
            calls["n"] += 1
            if calls["n"] == number:
                assert Contact.objects.filter(
                    name="Person 5"
                ).exists()  # written, not yet committed
                raise Crash
        return real(self, **changes)

    monkeypatch.setattr(csv_import._Run, "_fence", fence)


def crash_test_file() -> str:
    """17 rows: row 5 has a bad email, row 14 repeats row 3's email across a chunk boundary."""
    lines = ["Name,Phone,Email"]
    for i in range(17):
        email = f"p{i}@example.com"
        if i == 3:
            email = "not-an-email"
        if i == 12:
            email = "p1@example.com"  # in chunk 3; its twin is in chunk 1
        lines.append(f"Person {i},+1415555{1000 + i},{email}")
    return "\n".join(lines) + "\n"
