"""``gongshu harvest ckan`` against a CKAN that is not Gongshu: the recorded CKAN 2.10
answers in data/ckan/ are served by a fake session put in ``interop.http``, the one
place outbound HTTP goes through."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

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
        self.sent_headers: list[dict] = []

    def post(self, url: str, data=None, **kwargs) -> FakeResponse:
        action = url.rsplit("/", 1)[-1]
        params = json.loads(data or b"{}")
        self.calls.append(action)
        self.sent_headers.append(dict(kwargs.get("headers") or {}))
        if action == "organization_list":
            if params.get("offset"):
                return FakeResponse(json.dumps({"success": True, "result": []}).encode())
            action = "organization_list_all_fields"
        return FakeResponse((RECORDED / f"{action}.json").read_bytes())

    def get(self, url: str, **kwargs) -> FakeResponse:
        self.calls.append(url)
        self.sent_headers.append(dict(kwargs.get("headers") or {}))
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
    assert sorted(report["created"]) == ["air-quality", "bike-counts", "orphan-data"]
    skipped = {s["id"]: s["reason"] for s in report["skipped"]}
    assert list(skipped) == ["secret-core"] and "Core data" in skipped["secret-core"]
    # CKAN allows packages without an organization; they go under a placeholder one.
    assert sorted(report["organizations_created"]) == [
        "city-environment",
        "city-transport",
        "ckan-unowned",
    ]
    assert Dataset.objects.get(name="orphan-data").provider.code == "ckan-unowned"
    assert any("orphan-data belongs to no organization" in n for n in report["notes"])
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
    assert sorted(again["unchanged"]) == ["air-quality", "bike-counts", "orphan-data"]
    assert Dataset.objects.count() == 3


def test_a_stopped_run_resumes_from_its_state_file(recorded_site, tmp_path):
    state = {"source": SITE, "done": ["air-quality"], "report": {"created": ["air-quality"]}}
    (tmp_path / "state.json").write_text(json.dumps(state))
    report = harvest(tmp_path)
    assert sorted(report["created"]) == ["air-quality", "bike-counts", "orphan-data"]
    assert not Dataset.objects.filter(name="air-quality").exists()  # done by the "earlier" run


def test_with_data_it_downloads_and_ingests_the_current_file(recorded_site, tmp_path):
    report = harvest(tmp_path, "--with-data")
    assert report["data"]["bike-counts"] == "succeeded"
    version = Version.objects.get(dataset__name="bike-counts", is_current=True)
    assert version.row_count == 2
    downloads = [c for c in recorded_site.calls if c.startswith("https://")]
    assert downloads[0].endswith("bike-counts.csv")
    # The file keeps the name it had at the source, not a temporary one.
    assert version.source_name == "bike-counts.csv"


def test_a_source_token_is_sent_and_never_printed(recorded_site, tmp_path, monkeypatch):
    secret = "gs_abcdef123456_secret-value"
    monkeypatch.setenv("SOURCE_TOKEN", secret)
    out = io.StringIO()
    call_command(
        "harvest", "ckan", SITE, "--state", str(tmp_path / "s.json"), "--with-data",
        "--source-token-env", "SOURCE_TOKEN", stdout=out,
    )  # fmt: skip
    assert secret not in out.getvalue()
    api_headers, download_headers = recorded_site.sent_headers[0], recorded_site.sent_headers[-1]
    assert api_headers["Authorization"] == secret  # ckanapi's way, which Gongshu reads too
    assert download_headers["Authorization"] == f"Bearer {secret}"

    token_file = tmp_path / "token"
    token_file.write_text(secret + "\n")
    recorded_site.sent_headers.clear()
    harvest(tmp_path, "--source-token-file", str(token_file))
    assert recorded_site.sent_headers[0]["Authorization"] == secret
    with pytest.raises(CommandError, match="NOPE_UNSET"):
        harvest(tmp_path, "--source-token-env", "NOPE_UNSET")


def test_a_package_the_source_marks_private_is_not_republished(
    recorded_site, tmp_path, monkeypatch
):
    search = json.loads((RECORDED / "package_search.json").read_text(encoding="utf-8"))
    search["result"]["results"][0]["private"] = True
    private_name = search["result"]["results"][0]["name"]
    answer = RecordedCkan.post

    def post(self, url, data=None, **kwargs):
        if url.endswith("/package_search"):
            self.calls.append("package_search")
            return FakeResponse(json.dumps(search).encode())
        return answer(self, url, data, **kwargs)

    monkeypatch.setattr(RecordedCkan, "post", post)
    report = harvest(tmp_path)
    assert private_name in {s["id"] for s in report["skipped"]}
    assert not Dataset.objects.filter(name=private_name).exists()
