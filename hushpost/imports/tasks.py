"""Background tasks of the import pipeline; the work itself is in pipeline.run_import and
feed_polling.poll_feed."""

from django.tasks import task

from hushpost.imports.feed_polling import poll_by_id
from hushpost.imports.pipeline import run_import


@task()
def run_import_task(run_id: str) -> None:
    run_import(run_id)


@task()
def poll_feed_task(feed_id: str) -> None:
    poll_by_id(feed_id)
