"""Software nobody here wrote, against a live Gongshu: the exact request sequence of
ckanext-harvest's CKAN harvester (``CKANHarvester.gather_stage`` /
``_search_for_datasets`` / ``_get_organization`` / ``_get_group``: plain GETs of
``package_search`` built with ``urlencode``, paged by ``start`` until a page is empty,
the token bare in ``Authorization``), and ``ckanapi dump datasets|groups|organizations
--all`` run as the command-line tool."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests

CKANAPI = Path(sys.executable).with_name("ckanapi")


def search_for_datasets(base: str, fq_terms: list[str], api_key: str | None = None) -> list:
    """``CKANHarvester._search_for_datasets``, request for request."""
    headers = {"Authorization": api_key} if api_key else {}
    params = {"rows": "100", "start": "0", "sort": "id asc"}
    if fq_terms:
        params["fq"] = " ".join(fq_terms)
    found, previous = [], None
    while True:
        url = f"{base}/api/3/action/package_search?{urlencode(params)}"
        content = requests.get(url, headers=headers, timeout=30).text
        assert content != previous, f"the paging does not work: {url}"
        previous = content
        page = json.loads(content).get("result", {}).get("results", [])
        found.extend(page)
        if not page:
            return found
        params["start"] = str(int(params["start"]) + int(params["rows"]))


def gather(base: str, *, include=(), exclude=(), since: dt.datetime | None = None, key=None):
    """``gather_stage``'s filters: included organizations OR-ed, excluded ones negated,
    and, for an incremental run, the last run's start less an hour, in UTC."""
    fq_terms = []
    if include:
        fq_terms.append(" OR ".join(f"organization:{o}" for o in include))
    elif exclude:
        fq_terms.extend(f"-organization:{o}" for o in exclude)
    if since is not None:
        fq_terms.append(f"metadata_modified:[{(since - dt.timedelta(hours=1)).isoformat()}Z TO *]")
    return search_for_datasets(base, fq_terms, key)


@pytest.fixture
def site(transactional_db, live_server, interop_catalog, make_dataset):
    # More than one page of 100, so the harvester's paging is exercised.
    for i in range(101):
        make_dataset(name=f"count-{i:03d}", title_zh=f"计数 {i}", domain="economy")
    return live_server.url


@pytest.mark.slow
def test_ckanext_harvest_gathers_and_imports_as_it_does_against_ckan(
    site, interop_catalog, weather_clerk, make_token
):
    everything = gather(site)
    assert len(everything) == 103  # rainfall, traffic-flow and the counters; no duplicate
    ids = [p["id"] for p in everything]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert all(p["private"] is False for p in everything)

    only = gather(site, include=["sh-weather", "no-such-org"])
    assert [p["name"] for p in only] == ["rainfall"]
    both = gather(site, include=["sh-weather", "sh-transport"])
    assert len(both) == 103
    without = gather(site, exclude=["sh-transport"])
    assert [p["name"] for p in without] == ["rainfall"]

    # Incremental: the harvester asks for changes since its last error-free run.
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    assert len(gather(site, since=now)) == 103
    assert gather(site, since=now + dt.timedelta(days=1)) == []
    assert [p["name"] for p in gather(site, include=["sh-weather"], since=now)] == ["rainfall"]
    assert gather(site, exclude=["sh-weather"], since=now + dt.timedelta(days=1)) == []

    # import_stage with remote_orgs/remote_groups = create: organization_show by the
    # package's owner_org, group_show by each group's id.
    package = only[0]
    org = requests.get(
        f"{site}/api/3/action/organization_show?id={package['owner_org']}", timeout=30
    ).json()["result"]
    assert (org["name"], org["id"]) == ("sh-weather", package["owner_org"])
    for group in package["groups"]:
        shown = requests.get(f"{site}/api/3/action/group_show?id={group['id']}", timeout=30)
        assert shown.json()["result"]["name"] == group["name"] == "weather"

    # A privileged token harvests no more than the public catalog: nothing private.
    key = make_token(weather_clerk)
    assert [p["name"] for p in gather(site, include=["sh-transport"], key=key)] == [
        p["name"] for p in gather(site, include=["sh-transport"])
    ]


def ckanapi(*args: str, cwd: Path) -> list[dict]:
    out = cwd / "dump.jsonl"
    done = subprocess.run(
        [str(CKANAPI), "dump", *args, "-O", str(out), "-q"],
        capture_output=True,
        timeout=120,
        cwd=cwd,
        # Its workers start "ckanapi" again from PATH.
        env={**os.environ, "PATH": f"{CKANAPI.parent}{os.pathsep}{os.environ.get('PATH', '')}"},
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


@pytest.mark.slow
def test_ckanapi_dumps_datasets_groups_and_organizations(
    transactional_db, live_server, interop_catalog, weather_clerk, make_token, tmp_path
):
    url = live_server.url
    datasets = ckanapi("datasets", "--all", "-r", url, cwd=tmp_path)
    assert sorted(d["name"] for d in datasets) == ["rainfall", "traffic-flow"]
    assert datasets[0]["resources"] and all(d["private"] is False for d in datasets)

    groups = ckanapi("groups", "--all", "-r", url, cwd=tmp_path)
    assert {g["name"] for g in groups} >= {"transport", "weather"}
    assert all(g["is_organization"] is False for g in groups)

    organizations = ckanapi("organizations", "--all", "-r", url, cwd=tmp_path)
    assert sorted(o["name"] for o in organizations) == ["sh-transport", "sh-weather"]

    token = make_token(weather_clerk)
    private = ckanapi(
        "datasets", "--all", "--include-private", "-r", url, "-a", token, cwd=tmp_path
    )
    assert {d["name"]: d["private"] for d in private}["bus-cards"] is True
