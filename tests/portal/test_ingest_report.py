"""The validation report of a rejected upload, on the portal's ingest page and as a CSV
file: every error by row and column with its bad value, whatever keys its kind has, in
both languages; and the provider's editors follow their ingests through the API too."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from gongshu.tabular import services
from gongshu.tabular.models import Ingest, IngestStatus
from tests.personas import make_member
from tests.tabular.ingest_support import write

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}

# One error of every kind the ingest reports, each with only the keys its kind has.
EVERY_KIND = [
    {
        "type": "type-error",
        "rowNumber": 3,
        "fieldName": "amount",
        "fieldNumber": 2,
        "cell": "abc",
        "note": "n1",
    },
    {"type": "missing-cell", "rowNumber": 4, "note": "n2"},
    {"type": "extra-cell", "rowNumber": 5, "note": "n3"},
    {"type": "format-error", "rowNumber": 6, "note": "n4"},
    {"type": "encoding-error", "rowNumber": 7, "note": "n5"},
    {"type": "source-error", "note": "n6"},
    {"type": "constraint-error", "rowNumber": 8, "fieldName": "id", "cell": "", "note": "n7"},
    {"type": "primary-key", "rowNumber": 9, "fieldName": "id", "cell": "=1+1", "note": "n8"},
    {"type": "blank-label", "fieldNumber": 3, "note": "n9"},
    {"type": "incorrect-label", "fieldName": "id", "cell": "ID", "fieldNumber": 1, "note": "n10"},
    {"type": "duplicate-label", "fieldName": "name", "note": "n11"},
    {"type": "missing-label", "fieldName": "city", "note": "n12"},
    {"type": "extra-label", "fieldName": "extra", "fieldNumber": 4, "note": "n13"},
]


@pytest.fixture
def dataset(make_dataset):
    return make_dataset()


def _rejected(dataset, path, schema=None) -> Ingest:
    ingest = services.run_ingest(services.start_ingest(dataset, server_path=path, schema=schema).id)
    assert ingest.status == IngestStatus.REJECTED, (ingest.status, ingest.error)
    return ingest


def _cells(page: str) -> str:
    return " ".join(page.split())


def test_a_ragged_file_s_report_names_each_row(login, department_clerk, dataset, tmp_path):
    ingest = _rejected(dataset, write(tmp_path, "r.csv", "a,b,c\n1,2,3\n4,5\n6,7,8,9\n"))
    client = login(department_clerk)
    page = client.get(f"/ingests/{ingest.uid}/", **EN)
    assert page.status_code == 200
    text = _cells(page.content.decode())
    assert "<td>3</td>" in text and "<td>4</td>" in text
    assert "Too few cells" in text and "Too many cells" in text
    assert f"/ingests/{ingest.uid}/errors.csv" in text
    zh = _cells(client.get(f"/ingests/{ingest.uid}/", **ZH).content.decode())
    assert "单元格过少" in zh and "单元格过多" in zh and "下载错误清单（CSV）" in zh


def test_a_type_error_shows_its_row_column_and_bad_value(
    login, department_clerk, dataset, tmp_path
):
    schema = {"fields": [{"name": "id", "type": "integer"}, {"name": "city", "type": "string"}]}
    path = write(tmp_path, "t.csv", "id,city\n1,上海\nzz,北京\n")
    ingest = _rejected(dataset, path, schema)
    page = login(department_clerk).get(f"/ingests/{ingest.uid}/", **EN)
    assert page.status_code == 200
    text = _cells(page.content.decode())
    assert "<td>3</td><td>id</td><td><code>zz</code></td><td>Wrong type</td>" in text


@pytest.mark.parametrize("lang", [EN, ZH])
def test_every_error_kind_renders_whatever_keys_it_has(login, department_clerk, dataset, lang):
    report = {
        "valid": False,
        "stats": {"errors": len(EVERY_KIND), "rows": 9, "fields": 3, "seconds": 0.1},
        "errors": EVERY_KIND,
        "errorCounts": [{"type": "type-error", "fieldName": "amount", "count": 12}],
    }
    ingest = Ingest.objects.create(
        dataset=dataset, source_name="bad.csv", staged_path="unused",
        status=IngestStatus.REJECTED, report=report,
    )  # fmt: skip
    page = login(department_clerk).get(f"/ingests/{ingest.uid}/", **lang)
    assert page.status_code == 200
    text = _cells(page.content.decode())
    for error in EVERY_KIND:
        assert f"<td>{error['note']}</td>" in text
    assert "<td>12</td>" in text
    stats = ("错误", "行数", "列数") if lang is ZH else ("Errors", "Rows", "Columns")
    assert all(f"<dt>{s}</dt>" in text for s in stats)
    assert "<dt>rows</dt>" not in text and "type-error" not in text


def test_the_errors_download_as_csv_with_a_bom(login, department_clerk, dataset):
    ingest = Ingest.objects.create(
        dataset=dataset, source_name="bad.csv", staged_path="unused",
        status=IngestStatus.REJECTED, report={"valid": False, "errors": EVERY_KIND},
    )  # fmt: skip
    client = login(department_clerk)
    response = client.get(f"/ingests/{ingest.uid}/errors.csv", **ZH)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    assert response.content[:3] == b"\xef\xbb\xbf"
    rows = list(csv.reader(io.StringIO(response.content[3:].decode("utf-8"))))
    assert rows[0] == ["行", "列", "值", "类别", "说明"]
    assert ["3", "amount", "abc", "类型不符", "n1"] in rows
    assert ["", "第 3 列", "", "列名为空", "n9"] in rows
    assert ["9", "id", "'=1+1", "主键重复", "n8"] in rows  # a formula stays text
    assert len(rows) == 1 + len(EVERY_KIND)
    english = client.get(f"/ingests/{ingest.uid}/errors.csv", **EN).content[3:].decode()
    assert english.startswith("Row,Column,Value,Kind,Note")


def test_another_provider_s_editor_gets_neither_page(login, weather_bureau, dataset):
    ingest = Ingest.objects.create(dataset=dataset, source_name="x.csv", staged_path="unused")
    other = login(make_member("weather-editor", weather_bureau, "editor"))
    assert other.get(f"/ingests/{ingest.uid}/errors.csv").status_code == 403
    assert other.get(f"/ingests/{ingest.uid}/").status_code == 403


def test_the_provider_s_editors_read_their_ingests_through_the_api(
    login, department_clerk, weather_bureau, dataset, tmp_path, make_token
):
    ingest = _rejected(dataset, write(tmp_path, "r.csv", "a,b\n1,2\n3\n"))
    url = f"/api/v1/ingests/{ingest.uid}"
    by_session = login(department_clerk).get(url)
    assert by_session.status_code == 200
    assert by_session.json()["report"]["errors"][0]["rowNumber"] == 3
    for scope in ("read", "write"):
        token = make_token(department_clerk, scope)
        answer = Client().get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
        assert answer.status_code == 200, scope
    other = make_member("weather-editor", weather_bureau, "editor")
    assert login(other).get(url).status_code == 404
    token = make_token(other, "write")
    assert Client().get(url, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 404
