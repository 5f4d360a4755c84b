"""Helpers for the import tests: an uploaded, mapped import ready to run, and the worker."""

import signal

from django.core.management import call_command

from hushpost.contacts.csv_files import read_upload
from hushpost.contacts.csv_import import create_import
from hushpost.contacts.models import ContactImport, ImportStatus, OnDuplicate


def make_import(org, text, *, user=None, mapping=None, on_duplicate=OnDuplicate.REPORT, queued=True) -> ContactImport:
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
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    try:
        call_command("db_worker", "--batch", "--no-reload", "--no-startup-delay", "--interval", "0", verbosity=0)
    finally:
        for sig, handler in handlers.items():
            signal.signal(sig, handler)
