"""Background tasks of the contacts app; the work itself is in plain functions."""

from django.tasks import task

from hushpost.contacts.csv_import import run_import


@task()
def import_contacts(import_id: int) -> None:
    run_import(import_id)
