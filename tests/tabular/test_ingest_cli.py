"""`gongshu ingest RESOURCE FILE`: in-process with a progress bar, or via the queue."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from gongshu.tabular.models import Ingest, IngestStatus, Version
from tests.tabular.ingest_support import ROWS, write


@pytest.fixture
def dataset(make_dataset):
    return make_dataset()


def test_it_ingests_a_server_file_in_process(dataset, tmp_path):
    out = StringIO()
    call_command("ingest", dataset.name, str(write(tmp_path, "a.csv", ROWS)), stdout=out)
    assert "Version 1: 3 rows" in out.getvalue()
    assert Version.objects.get(dataset=dataset).is_current
    call_command("ingest", dataset.name, str(tmp_path / "a.csv"), stdout=(again := StringIO()))
    assert "Unchanged" in again.getvalue()


def test_it_fails_loudly_with_the_report(dataset, tmp_path):
    out = StringIO()
    with pytest.raises(CommandError, match="rejected"):
        call_command("ingest", dataset.name, str(write(tmp_path, "a.csv", "a,b\n1\n")), stdout=out)
    # The bar ends on how the run ended, not on its last phase ("done").
    assert "Rejected by validation" in out.getvalue() and "done" not in out.getvalue()
    with pytest.raises(CommandError, match="No data resource"):
        call_command("ingest", "nope", str(tmp_path / "a.csv"), stdout=StringIO())
    with pytest.raises(CommandError, match="No file"):
        call_command("ingest", dataset.name, str(tmp_path / "missing.csv"), stdout=StringIO())


def test_it_takes_a_declared_schema(dataset, tmp_path):
    schema = write(tmp_path, "s.json", json.dumps({"fields": [{"name": "code", "type": "string"}]}))
    call_command(
        "ingest",
        dataset.name,
        str(write(tmp_path, "c.csv", "code\n007\n")),
        "--schema",
        str(schema),
        stdout=StringIO(),
    )
    assert Version.objects.get(dataset=dataset).profile["columns"]["code"]["min"] == "007"


def test_queue_mode_follows_the_worker(dataset, tmp_path, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    call_command(
        "ingest", dataset.name, str(write(tmp_path, "a.csv", ROWS)), "--queue", stdout=StringIO()
    )
    assert Ingest.objects.get().status == IngestStatus.SUCCEEDED
