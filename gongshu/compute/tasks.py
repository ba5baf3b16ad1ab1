"""Background work of compute-to-data, run by ``gongshu worker`` (django-tasks-db): one
task per job; its progress and outcome are on the Job row."""

from __future__ import annotations

from django_tasks import task

from gongshu.compute import services


@task()
def run_job_task(job_id: int) -> str:
    """Run one submitted job (services.run)."""
    return str(services.run(job_id).status)
