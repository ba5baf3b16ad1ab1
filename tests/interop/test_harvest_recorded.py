"""``gongshu harvest ckan`` against a CKAN that is not Gongshu: the recorded CKAN 2.10
answers in data/ckan/ are served by a fake session put in ``interop.http``, the one
place outbound HTTP goes through."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from gongshu.catalog.models import Dataset
from gongshu.interop import http
from gongshu.orgs.models import Organization
from gongshu.tabular.models import Version

RECORDED = Path(__file__).parent / "data" / "ckan"
SITE = "https://ckan.example.org"
CSV = b"station,hour,count\nS01,2024-01-01T08:00:00,41\nS02,2024-01-01T08:00:00,17\n"

pytestmark = pytest.mark.django_db


class FakeResponse:
    def __init__(self, body: bytes, status: int = 200) -> None:
        self.content, self.status_code = body, status
        self.text = body.decode()
        self.headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}

    def iter_content(self, size: int):
        yield self.content

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass


class RecordedCkan:
    """Answers ckanapi's POSTs with the recorded files, and file downloads with a CSV."""

    def __init__(self) -> None:
        self.headers: dict[str, str] = {}
        self.calls: list[str] = []

    def post(self, url: str, data=None, **kwargs) -> FakeResponse:
        action = url.rsplit("/", 1)[-1]
        params = json.loads(data or b"{}")
        self.calls.append(action)
        if action == "organization_list":
            if params.get("offset"):
                return FakeResponse(json.dumps({"success": True, "result": []}).encode())
            action = "organization_list_all_fields"
        return FakeResponse((RECORDED / f"{action}.json").read_bytes())

    def get(self, url: str, **kwargs) -> FakeResponse:
        self.calls.append(url)
        return FakeResponse(CSV)

    def close(self) -> None:
        pass


@pytest.fixture
def recorded_site(monkeypatch):
    site = RecordedCkan()
    monkeypatch.setattr(http, "session", lambda: site)
    return site


def harvest(tmp_path, *extra: str) -> dict:
    out = io.StringIO()
    call_command(
        "harvest",
        "ckan",
        SITE,
        "--state",
        str(tmp_path / "state.json"),
        "--json",
        *extra,
        stdout=out,
    )
    text = out.getvalue()
    return json.loads(text[text.index("{\n") :])


def test_it_harvests_organizations_and_packages_and_says_what_it_skipped(recorded_site, tmp_path):
    report = harvest(tmp_path)
    assert sorted(report["created"]) == ["air-quality", "bike-counts"]
    skipped = {s["id"]: s["reason"] for s in report["skipped"]}
    assert skipped["orphan-data"] == "The package belongs to no organization."
    assert "Core data" in skipped["secret-core"]
    assert sorted(report["organizations_created"]) == ["city-environment", "city-transport"]
    bikes = Dataset.objects.get(name="bike-counts")
    assert (bikes.title_zh, bikes.provider.code, bikes.domain) == (
        "Bicycle counts",
        "city-transport",
        "transport",
    )
    assert (bikes.keywords, bikes.licence, bikes.spatial_coverage) == (
        ["bicycles", "mobility"],
        "CC-BY-4.0",
        "City centre",
    )
    assert Organization.objects.get(code="city-transport").region == "110000"
    assert not (tmp_path / "state.json").exists()


def test_a_second_run_creates_nothing(recorded_site, tmp_path):
    harvest(tmp_path)
    again = harvest(tmp_path)
    assert again["created"] == [] and again["organizations_created"] == []
    assert sorted(again["unchanged"]) == ["air-quality", "bike-counts"]
    assert Dataset.objects.count() == 2


def test_a_stopped_run_resumes_from_its_state_file(recorded_site, tmp_path):
    state = {"source": SITE, "done": ["air-quality"], "report": {"created": ["air-quality"]}}
    (tmp_path / "state.json").write_text(json.dumps(state))
    report = harvest(tmp_path)
    assert sorted(report["created"]) == ["air-quality", "bike-counts"]
    assert not Dataset.objects.filter(name="air-quality").exists()  # done by the "earlier" run


def test_with_data_it_downloads_and_ingests_the_current_file(recorded_site, tmp_path):
    report = harvest(tmp_path, "--with-data")
    assert report["data"]["bike-counts"] == "succeeded"
    version = Version.objects.get(dataset__name="bike-counts", is_current=True)
    assert version.row_count == 2
    downloads = [c for c in recorded_site.calls if c.startswith("https://")]
    assert downloads[0].endswith("bike-counts.csv")
