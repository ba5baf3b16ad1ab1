"""A real `gongshu worker` (django-tasks-db's db_worker) runs queued ingests; killing it
mid-ingest leaves nothing half-done, the next worker to start marks the ingest failed,
and a retry succeeds."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from gongshu.engine import storage
from gongshu.tabular import services
from gongshu.tabular.models import Ingest, IngestStatus, Version
from tests.tabular.ingest_support import ROWS, ingest, versions_on_disk, write

ROOT = Path(__file__).resolve().parents[2]


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    return f"postgresql://{db.get('USER') or ''}@{host}:{port}/{db['NAME']}"


def worker(*args: str, phase_delay_ms: int = 0) -> subprocess.Popen:
    env = {
        **os.environ,
        "GONGSHU_DATABASE_URL": database_url(),
        "GONGSHU_DATA_DIR": str(settings.DATA_DIR),
        "GONGSHU_INGEST_PHASE_DELAY_MS": str(phase_delay_ms),
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gongshu.cli",
            "worker",
            "--no-startup-delay",
            "--interval",
            "0.1",
            "--no-reload",
            *args,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


# Generous: under load a worker takes seconds to start, and its first conversion starts
# the fork server its children come from (ingest/isolated.py). Nothing here depends on
# timing but these upper bounds.
TIMEOUT_S = 300


def wait_for(predicate, proc: subprocess.Popen, timeout: float = TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the worker did not get there:\n{proc.communicate()[0].decode()}")
        time.sleep(0.1)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_killed_worker_leaves_nothing_half_done_and_a_retry_succeeds(make_dataset, tmp_path):
    dataset = make_dataset()
    first = ingest(dataset, write(tmp_path, "v1.csv", ROWS))
    assert first.status == IngestStatus.SUCCEEDED
    on_disk = versions_on_disk()

    queued = services.enqueue_ingest(
        services.start_ingest(
            dataset, upload=SimpleUploadedFile("v2.csv", (ROWS + "4,杭州,9\n").encode())
        )
    )
    assert queued.status == IngestStatus.QUEUED
    # The hook sleeps after each phase starts: kill while the finished Parquet waits in
    # staging to be published — the last moment before anything becomes visible.
    proc = worker(phase_delay_ms=300)
    try:
        wait_for(lambda: Ingest.objects.get(pk=queued.pk).phase == "publishing", proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=TIMEOUT_S)
    finally:
        if proc.poll() is None:
            proc.kill()

    killed = Ingest.objects.get(pk=queued.pk)
    assert killed.status == IngestStatus.RUNNING  # its worker died; nothing finished it
    assert versions_on_disk() == on_disk
    assert list(Version.objects.filter(dataset=dataset).values_list("number", "is_current")) == [
        (1, True)
    ]
    staging = list((storage.data_dir() / "staging").iterdir())
    assert len(staging) == 2  # the upload, and the dead run's work directory
    assert services.cleanup_staging(max_age=0) == 1  # the work dir; the upload is kept
    assert Path(killed.staged_path).is_file()

    # The next worker to start finds it: the process that ran it is gone.
    proc = worker("--batch")
    output = proc.communicate(timeout=TIMEOUT_S)[0].decode()
    failed = Ingest.objects.get(pk=queued.pk)
    assert failed.status == IngestStatus.FAILED, output
    assert "worker stopped while converting" in failed.error and "Retry" in failed.error
    assert f"Ingest {queued.uid}" in output and "marked failed" in output
    assert Path(failed.staged_path).is_file()

    services.enqueue_ingest(services.retry_ingest(failed))
    proc = worker("--batch")
    output = proc.communicate(timeout=TIMEOUT_S)[0].decode()
    retried = Ingest.objects.get(pk=queued.pk)
    assert retried.status == IngestStatus.SUCCEEDED, (retried.error, output)
    assert retried.version.number == 2 and retried.version.is_current
    assert retried.rows_done == 4
    assert len(versions_on_disk()) == 2
    assert not (storage.data_dir() / "staging").exists() or not any(
        (storage.data_dir() / "staging").iterdir()
    )
