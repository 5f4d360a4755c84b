"""Background task of the import pipeline; the work itself is in pipeline.run_import."""

from django.tasks import task

from hushpost.imports.pipeline import run_import


@task()
def run_import_task(run_id: str) -> None:
    run_import(run_id)
