"""The issue's "done means": the demo population table is flagged on upload, a level is
suggested with reasons, an unconditional opening is refused naming the fields, and a
conditional agreement reads it masked through every read path."""

from __future__ import annotations

import csv
import json

import pytest
from django.core.exceptions import ValidationError

from gongshu import gate
from gongshu.audit.models import AuditEvent
from gongshu.catalog import services as catalog
from gongshu.demo.generated import write_population_services
from gongshu.gate import copies
from gongshu.gate import lease as gate_lease
from gongshu.policy.decision import Decision
from gongshu.privacy import services as privacy
from gongshu.privacy.models import Scan, ScanStatus
from gongshu.tabular import kanon, masked_copies
from gongshu.tabular import services as tabular
from tests.tabular import exported

PERSONAL = {"姓名", "身份证号", "手机号", "居住地址"}
ROWS = 200


def _ingest(dataset, path):
    ingest = tabular.start_ingest(dataset, server_path=path)
    return tabular.run_ingest(ingest.pk)


@pytest.fixture
def population(make_dataset, tmp_path):
    dataset = make_dataset(
        name="population-services",
        title_zh="社区居民服务登记",
        domain="population",
        opening_attribute="conditional",
        sharing_attribute="conditional",
    )
    source = write_population_services(tmp_path / "population.csv", rows=ROWS)
    assert _ingest(dataset, source).status == "succeeded"
    dataset.refresh_from_db()
    return dataset, source


def _raw(source, column: str) -> set[str]:
    with source.open(encoding="utf-8") as handle:
        return {row[column] for row in csv.DictReader(handle)}


def test_it_flags_the_personal_columns_on_upload(population):
    dataset, _source = population
    tags = dict(dataset.fields.values_list("name", "sensitivity"))
    assert {n for n, s in tags.items() if s != "none"} >= PERSONAL
    assert tags["身份证号"] == "sensitive_personal"
    assert tags["服务事项"] == tags["登记编号"] == tags["性别"] == "none"
    scan = Scan.objects.get(version__dataset=dataset)
    found = {f["field"]: f for f in scan.findings}
    assert found["身份证号"]["detector"] == "resident_id" and found["身份证号"]["share"] == 1.0
    assert found["手机号"]["confidence"] >= 0.9


def test_it_suggests_a_level_with_reasons(population):
    dataset, _source = population
    suggestion = privacy.suggestion(dataset)
    assert (suggestion.level, suggestion.general_sublevel) == ("general", 4)
    first = suggestion.reasons[0]
    assert first.code == "sensitive_personal" and "身份证号" in first.fields


def test_an_unconditional_opening_is_refused_naming_the_fields(population):
    dataset, _source = population
    with pytest.raises(ValidationError) as refused:
        catalog.update_dataset(dataset, opening_attribute="unconditional")
    message = refused.value.message_dict["opening_attribute"][0]
    for name in PERSONAL:
        assert name in message
    for field in dataset.fields.exclude(sensitivity="none"):
        privacy.set_tag(field, actor=None, release_mask={"kind": "null"})
    catalog.update_dataset(dataset, opening_attribute="unconditional")


def test_an_editors_override_is_audited_and_survives_a_rescan(population, staff_user):
    dataset, _source = population
    field = dataset.fields.get(name="出生日期")
    privacy.set_tag(field, actor=staff_user, sensitivity="none")
    privacy.scan_version(dataset.versions.get(is_current=True))
    field.refresh_from_db()
    assert field.sensitivity == "none"
    event = AuditEvent.objects.filter(action="privacy.tag.override").get()
    assert event.details["field"] == "出生日期" and event.actor_username == "clerk"


def test_a_failing_scan_does_not_fail_the_ingest(make_dataset, tmp_path, monkeypatch):
    dataset = make_dataset(name="scan-fails", publish=False)
    monkeypatch.setattr(privacy, "scan_parquet", lambda *a, **k: 1 / 0)
    source = write_population_services(tmp_path / "p.csv", rows=20)
    assert _ingest(dataset, source).status == "succeeded"
    scan = Scan.objects.get(version__dataset=dataset)
    assert scan.status == ScanStatus.FAILED and "division" in scan.error


# --- every read path, masked ------------------------------------------------------------

READS = ["rows", "sql", "csv", "json", "ndjson", "parquet", "xlsx", "download"]


@pytest.fixture
def under_agreement(population, monkeypatch):
    dataset, source = population
    masks = privacy.tighten(
        privacy.default_masks(dataset, "opening", agreement_id=5), {}, agreement_id=5
    )

    def authorize(caller, ds, action, *, purpose=None, agreement=None):
        return Decision(allowed=True, reason="Agreement #5.", masks=masks, agreement_id=5)

    # The (made-up) agreement #5 allows every read; its reads are counted nowhere.
    monkeypatch.setattr(gate_lease, "authorize", authorize)
    monkeypatch.setattr(gate_lease.Lease, "close", lambda self: None)
    return dataset, source, masks


def _gated(dataset) -> gate.Source:
    with gate.read(None, dataset, gate.Action.READ, query="test") as lease:
        return lease.source


def _values(client, read: str, tmp_path) -> list[dict]:
    base = "/api/v1/datasets/population-services"
    if read == "rows":
        return client.get(f"{base}/rows", {"limit": ROWS}).json()["rows"]
    if read == "sql":
        answer = client.post(
            "/api/v1/sql", {"sql": 'SELECT * FROM "population-services"', "limit": ROWS},
            content_type="application/json",
        ).json()  # fmt: skip
        names = [c["name"] for c in answer["columns"]]
        return [dict(zip(names, row, strict=True)) for row in answer["rows"]]
    path = f"{base}/versions/1/download" if read == "download" else f"{base}/export.{read}"
    data = b"".join(client.get(path).streaming_content)
    return exported.records(read, data, tmp_path)


@pytest.mark.parametrize("copy", [False, True], ids=["masked-in-query", "masked-copy"])
def test_no_read_path_returns_a_raw_id_number_phone_or_name(
    client, under_agreement, tmp_path, copy
):
    # One upload for all paths: ingesting is the slow part of this test.
    dataset, source, masks = under_agreement
    assert masks["身份证号"] == {"kind": "hash", "scope": "5"}
    if copy:  # the copy for the (made-up) agreement #5, read by every path below
        opened = _gated(dataset)
        assert opened.copy is None
        masked_copies.write(opened.version, "5", copies.spec_of(opened))
        assert _gated(dataset).copy is not None
    for read in READS:
        _check_masked(_values(client, read, tmp_path), source)


def _check_masked(records: list[dict], source) -> None:
    assert len(records) == ROWS
    raw_ids, raw_phones, raw_names = (
        _raw(source, "身份证号"),
        _raw(source, "手机号"),
        _raw(source, "姓名"),
    )
    for record in records:
        assert record["身份证号"] not in raw_ids and len(record["身份证号"]) == 64
        assert record["手机号"] not in raw_phones and "****" in record["手机号"]
        assert record["姓名"] not in raw_names
        assert record["服务事项"]  # unmasked fields still read
    everything = json.dumps(records, ensure_ascii=False, default=str)
    assert not any(raw in everything for raw in raw_ids)


def test_a_k_anonymity_check_reports_the_smallest_group(population, staff_user):
    dataset, _source = population
    quasi = ["性别", "出生日期", "行政区划代码"]
    raw = kanon.k_anonymity(staff_user, dataset, quasi, 5, masked=False)
    assert raw.smallest_group == 1 and raw.rows_at_risk > 150
    privacy.set_tag(
        dataset.fields.get(name="出生日期"),
        actor=None,
        release_mask={"kind": "generalize", "to": "age_band", "width": 20},
    )
    coarse = kanon.k_anonymity(staff_user, dataset, quasi, 5)
    assert coarse.rows_at_risk < raw.rows_at_risk and coarse.rows == ROWS
