"""Background work of the tabular engine, run by ``gongshu worker`` (django-tasks-db)."""

from __future__ import annotations

from django_tasks import task

from gongshu.tabular import masked_copies, services


@task()
def run_ingest_task(ingest_id: int) -> str:
    """Ingest one uploaded file; progress and outcome are on its Ingest row."""
    return services.run_ingest(ingest_id).status


@task()
def build_masked_copy(version_id: int, scope: str, spec: dict) -> bool:
    """Build the masked copy a restricted read asked for (tabular/masked_copies.py)."""
    return masked_copies.build_requested(version_id, scope, spec)


@task()
def build_agreement_copies(agreement_id: int) -> int:
    """Build the masked copies of an agreement that became active or changed policy."""
    return masked_copies.build_for_agreement(agreement_id)


@task()
def remove_masked_copies(names: list[str], unused_for: float | None = None) -> int:
    """Remove masked copies retired a minute ago (``masked_copies.retire``)."""
    return masked_copies.remove(names, unused_for)
