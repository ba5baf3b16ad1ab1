"""Harvest from a live second Gongshu: another process, its own var dir and SQLite
database, serving its CKAN API and DCAT on another port. The harvest must reproduce
its catalog (organizations, names, titles, tags, attributes, data) and a second run
must create nothing."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.core.management import call_command

from gongshu.catalog.models import Dataset
from gongshu.orgs.models import Organization
from gongshu.tabular.models import Version

ROOT = Path(__file__).resolve().parents[2]
SETUP = """
from pathlib import Path
from django.core.management import call_command
call_command("migrate", "--noinput", verbosity=0)
from gongshu.catalog import services as catalog
from gongshu.orgs.models import Organization
bus = Organization.objects.create(code="bj-transport", name_zh="北京市交通委员会",
    name_en="Beijing Municipal Commission of Transport", kind="government", region="110000")
air = Organization.objects.create(code="bj-ecology", name_zh="北京市生态环境局",
    kind="government", region="110105")
lines = catalog.create_dataset(name="bus-lines", title_zh="公交线路", title_en="Bus lines",
    description_zh="全市公交线路。", domain="transport", provider=bus, keywords=["公交", "线路"],
    opening_attribute="unconditional", sharing_attribute="unconditional", general_sublevel=1,
    update_frequency="monthly", authorized_operation=True, contact_email="bus@example.org")
catalog.publish_dataset(lines)
pm25 = catalog.create_dataset(name="pm25-hourly", title_zh="PM2.5 小时浓度", domain="ecology",
    provider=air, keywords=["空气"], opening_attribute="unconditional",
    sharing_attribute="conditional", general_sublevel=3,
    opening_condition="", spatial_coverage="北京市")
catalog.publish_dataset(pm25)
catalog.create_dataset(name="not-yet", title_zh="未发布", domain="transport", provider=bus)
Path("lines.csv").write_text(CSV, encoding="utf-8")
call_command("ingest", "bus-lines", "lines.csv")
"""
CSV = "line,stops,length_km\n1,24,18.5\n52,31,22.0\n300,60,48.2\n"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _gongshu(env: dict, cwd, *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "gongshu.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]


@pytest.fixture(scope="module")
def second_instance(tmp_path_factory):
    var = tmp_path_factory.mktemp("second-gongshu")
    env = {**os.environ, "GONGSHU_VAR_DIR": str(var), "GONGSHU_LOG_LEVEL": "WARNING"}
    # The second instance runs this checkout's code, wherever the package is installed from.
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    env.pop("GONGSHU_DATABASE_URL", None)
    env.pop("GONGSHU_DATA_DIR", None)
    # One process sets everything up: each start of Django costs seconds.
    _gongshu(env, var, "shell", "-c", f"CSV = {CSV!r}\n{SETUP}")
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gongshu.cli", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{url}/api/3/action/status_show", timeout=5).ok:
                    break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "the second instance did not start"
                time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:  # gunicorn waits for idle keep-alive clients
            server.kill()
            server.wait()


def harvest(tmp_path, kind: str, source: str, *extra: str) -> dict:
    out = io.StringIO()
    state = str(tmp_path / f"{kind}-state.json")
    call_command("harvest", kind, source, "--state", state, "--json", *extra, stdout=out)
    text = out.getvalue()
    return json.loads(text[text.index("{\n") :])


@pytest.mark.slow
@pytest.mark.django_db
def test_a_ckan_harvest_reproduces_the_second_catalog(second_instance, tmp_path):
    report = harvest(tmp_path, "ckan", second_instance, "--with-data")
    assert sorted(report["created"]) == ["bus-lines", "pm25-hourly"]
    assert report["skipped"] == []
    assert report["data"] == {"bus-lines": "succeeded", "pm25-hourly": "no file"}

    transport = Organization.objects.get(code="bj-transport")
    assert (transport.name_zh, transport.name_en, transport.kind, transport.region) == (
        "北京市交通委员会",
        "Beijing Municipal Commission of Transport",
        "government",
        "110000",
    )
    assert Organization.objects.get(code="bj-ecology").region == "110105"
    lines = Dataset.objects.get(name="bus-lines")
    assert (lines.title_zh, lines.title_en, lines.description_zh) == (
        "公交线路",
        "Bus lines",
        "全市公交线路。",
    )
    assert (lines.keywords, lines.domain, lines.provider) == (
        ["公交", "线路"],
        "transport",
        transport,
    )
    assert (lines.general_sublevel, lines.update_frequency, lines.authorized_operation) == (
        1,
        "monthly",
        True,
    )
    assert lines.contact_email == "bus@example.org" and lines.status == "published"
    pm25 = Dataset.objects.get(name="pm25-hourly")
    assert (pm25.level, pm25.general_sublevel, pm25.sharing_attribute) == (
        "general",
        3,
        "conditional",
    )
    assert pm25.spatial_coverage == "北京市"
    assert not Dataset.objects.filter(name="not-yet").exists()
    assert Version.objects.get(dataset=lines, is_current=True).row_count == 3

    again = harvest(tmp_path, "ckan", second_instance, "--with-data")
    assert again["created"] == [] and again["updated"] == []
    assert again["organizations_created"] == []
    assert again["data"]["bus-lines"] == "unchanged"
    assert Version.objects.filter(dataset=lines).count() == 1

    # The same catalog read as DCAT-AP matches what the CKAN harvest made.
    dcat = harvest(tmp_path, "dcat", f"{second_instance}/dcat/catalog")
    assert (dcat["created"], dcat["updated"], dcat["skipped"]) == ([], [], [])
    assert sorted(dcat["unchanged"]) == ["bus-lines", "pm25-hourly"]


@pytest.mark.slow
@pytest.mark.django_db
def test_a_dcat_harvest_with_data_brings_the_current_files(second_instance, tmp_path):
    first = harvest(tmp_path, "dcat", f"{second_instance}/dcat/catalog", "--with-data")
    assert sorted(first["created"]) == ["bus-lines", "pm25-hourly"]
    lines = Dataset.objects.get(name="bus-lines")
    assert first["data"]["bus-lines"] == "succeeded"
    assert Version.objects.get(dataset=lines, is_current=True).row_count == 3

    again = harvest(tmp_path, "dcat", f"{second_instance}/dcat/catalog", "--with-data")
    assert again["data"]["bus-lines"] == "unchanged"
    assert Version.objects.filter(dataset=lines).count() == 1
