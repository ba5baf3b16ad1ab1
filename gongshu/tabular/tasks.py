"""Background work of the tabular engine, run by ``gongshu worker`` (django-tasks-db)."""

from __future__ import annotations

from django_tasks import task

from gongshu.tabular import services


@task()
def run_ingest_task(ingest_id: int) -> str:
    """Ingest one uploaded file; progress and outcome are on its Ingest row."""
    return services.run_ingest(ingest_id).status
