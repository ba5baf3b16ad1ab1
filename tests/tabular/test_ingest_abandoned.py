"""An ingest left "running" by a worker that died (SIGKILL, the OOM killer) is found when
`gongshu worker` starts (``services.fail_abandoned``) and marked failed with a reason, its
upload kept for a retry; an ingest whose process still runs is left alone."""

from __future__ import annotations

import io
import os
import subprocess
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from gongshu.tabular import services
from gongshu.tabular.models import Ingest, IngestStatus
from tests.tabular.ingest_support import ROWS, write

pytestmark = pytest.mark.django_db


def dead_pid() -> int:
    child = subprocess.Popen(["true"])  # noqa: S607
    child.wait()
    return child.pid


def running(dataset, tmp_path, *, runner: str, beat_ago: float = 0.0) -> Ingest:
    started = services.start_ingest(dataset, server_path=write(tmp_path, "t.csv", ROWS))
    Ingest.objects.filter(pk=started.pk).update(
        status=IngestStatus.RUNNING,
        phase="converting",
        runner=runner,
        heartbeat_at=timezone.now() - timedelta(seconds=beat_ago),
    )
    return started


def test_an_ingest_whose_worker_died_on_this_host_is_failed_at_once_and_can_be_retried(
    make_dataset, tmp_path
):
    dataset = make_dataset()
    left = running(dataset, tmp_path, runner=services.runner_id(dead_pid()))

    assert [i.pk for i in services.fail_abandoned()] == [left.pk]  # heartbeat is fresh
    failed = Ingest.objects.get(pk=left.pk)
    assert failed.status == IngestStatus.FAILED and failed.finished_at is not None
    assert "worker stopped while converting" in failed.error and "Retry" in failed.error
    assert failed.report["errors"][0]["note"] == failed.error

    again = services.run_ingest(services.retry_ingest(failed).id)
    assert again.status == IngestStatus.SUCCEEDED, again.error
    assert again.version.row_count == 3


def test_a_reused_pid_does_not_keep_a_dead_ingest_running(make_dataset, tmp_path):
    # This process's pid, but not this process: it started at another time.
    left = running(make_dataset(), tmp_path, runner=f"{services._host()}:{os.getpid()}:1")
    assert [i.pk for i in services.fail_abandoned()] == [left.pk]


def test_an_ingest_whose_process_still_runs_here_is_left_alone(make_dataset, tmp_path):
    alive = running(make_dataset(), tmp_path, runner=services.runner_id(), beat_ago=10**6)
    assert services.fail_abandoned() == []
    assert Ingest.objects.get(pk=alive.pk).status == IngestStatus.RUNNING


def test_another_hosts_ingest_fails_only_once_its_heartbeat_is_stale(make_dataset, tmp_path):
    dataset = make_dataset()
    fresh = running(dataset, tmp_path, runner="elsewhere:4242:77", beat_ago=10)
    stale = running(dataset, tmp_path, runner="elsewhere:4243:78", beat_ago=301)
    legacy = running(dataset, tmp_path, runner="", beat_ago=0)  # written before runners
    Ingest.objects.filter(pk=legacy.pk).update(
        heartbeat_at=None, created_at=timezone.now() - timedelta(hours=1)
    )

    assert {i.pk for i in services.fail_abandoned(timeout=300)} == {stale.pk, legacy.pk}
    assert Ingest.objects.get(pk=fresh.pk).status == IngestStatus.RUNNING


def test_a_run_records_its_process_and_a_retry_claims_it_anew(make_dataset, tmp_path):
    done = services.run_ingest(
        services.start_ingest(make_dataset(), server_path=write(tmp_path, "t.csv", ROWS)).id
    )
    assert done.status == IngestStatus.SUCCEEDED
    assert done.runner == services.runner_id() and done.heartbeat_at is not None


def test_the_worker_command_fails_abandoned_ingests_as_it_starts(
    make_dataset, tmp_path, monkeypatch
):
    left = running(make_dataset(), tmp_path, runner=services.runner_id(dead_pid()))
    # db_worker itself is not run: only what `gongshu worker` does before it.
    monkeypatch.setattr(
        "gongshu.tabular.management.commands.worker.call_command", lambda *a, **k: None
    )
    monkeypatch.setattr("gongshu.tabular.management.commands.worker.warm_up", lambda: None)
    monkeypatch.setattr(
        "gongshu.tabular.management.commands.worker.privacy_scan.warm_up", lambda: None
    )
    out = io.StringIO()
    call_command("worker", "--no-cleanup", stdout=out)
    assert Ingest.objects.get(pk=left.pk).status == IngestStatus.FAILED
    assert f"Ingest {left.uid}" in out.getvalue() and "retry it" in out.getvalue()
