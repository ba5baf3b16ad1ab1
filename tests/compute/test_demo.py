"""The demo's compute step: delay statistics per carrier released, a list of resident ID
numbers blocked under no-identifier, a DP count released with its epsilon spent; every
outcome comes from the sandbox and vetting really running. Loading twice runs nothing
twice. The resident registrations are the demo's own generated file, ingested (so the
privacy scan tags 身份证号); the flights get a small version instead of the 336,776 rows."""

from __future__ import annotations

from decimal import Decimal

import pyarrow.parquet as pq
import pytest
from django.contrib.auth import get_user_model

from gongshu.catalog.models import Dataset
from gongshu.compute import services
from gongshu.compute.models import Budget, Job, Status, Vetting
from gongshu.demo import access, billing, loader
from gongshu.demo import compute as demo
from gongshu.demo.catalog import RESOURCES
from gongshu.tabular import services as tabular
from tests.compute.world import needs_namespaces
from tests.tabular.factories import make_version

pytestmark = [needs_namespaces, pytest.mark.slow]

CARRIERS = ["AA", "B6", "DL", "UA"]
FLIGHTS = (
    "SELECT 2013 AS year, 1 + i % 12 AS month, 1 + i % 28 AS day,"
    f" {CARRIERS}[1 + i % 4] AS carrier, 'JFK' AS origin, 'LAX' AS dest,"
    " (i * 7) % 90 - 10 AS dep_delay, (i * 11) % 120 - 20 AS arr_delay FROM range(400) t(i)"
)


def _ingest_residents() -> None:
    dataset = Dataset.objects.get(name=demo.RESIDENTS)
    path = loader.source_file(next(r for r in RESOURCES if r.name == demo.RESIDENTS))
    admin = get_user_model().objects.get(username="admin")
    done = tabular.run_ingest(tabular.start_ingest(dataset, server_path=path, user=admin).pk)
    assert done.status == "succeeded", done.report


def test_the_demo_jobs_are_released_blocked_and_charged(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.COMPUTE_DIR = tmp_path / "compute"
    settings.COMPUTE_WORK_DIR = str(tmp_path / "work")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    loader.load(lambda _: None, with_data=False)
    billing.plans(lambda _: None)
    access.load(lambda _: None)
    make_version(Dataset.objects.get(name=demo.FLIGHTS), FLIGHTS)
    _ingest_residents()
    said: list[str] = []
    first = demo.load(said.append)["jobs"]
    delays, ids, counted = (Job.objects.get(pk=pk) for pk in first.values())

    assert delays.status == Status.RELEASED, delays.reason
    path = services.released_file(
        get_user_model().objects.get(username="researcher"), delays, "result"
    )
    rows = pq.read_table(path).to_pylist()
    assert [r["carrier"] for r in rows] == CARRIERS and all(r["flights"] == 100 for r in rows)

    assert ids.status == Status.BLOCKED
    assert "身份证号" in ids.reason and "resident_id" in ids.reason
    output = ids.results.get()
    assert output.status == Vetting.BLOCKED and not output.file
    # The rows are the input's own on its personal fields too (no-input-row).
    assert {c["rule"]["id"] for c in output.checks if not c["passed"]} >= {"no-identifier"}
    assert not services.outputs_dir(ids).exists()

    assert counted.status == Status.RELEASED, counted.reason
    assert counted.results.get().rows == len(demo.DP_COUNT["keys"])
    ledger = Budget.objects.get(dataset__name=demo.RESIDENTS, organization__code=demo.LICENSEE)
    assert ledger.spent == Decimal("0.5") > 0
    assert any("0.5 of 3 spent" in line for line in said)

    assert demo.load(said.append)["jobs"] == first
    assert Job.objects.count() == 3
    assert Budget.objects.get(pk=ledger.pk).spent == Decimal("0.5")
