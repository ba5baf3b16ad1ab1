"""Free-trade-zone negative lists (art. 6): imported from a file, matched at field level,
and the exemption for data outside the list computed rather than only claimed."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from gongshu.audit.models import AuditEvent
from gongshu.catalog.models import Field
from gongshu.privacy.models import FieldTag
from gongshu.transfer import ftz, services
from gongshu.transfer.models import FtzEntry, FtzList
from tests.transfer.world import count, declare, make_people

EXAMPLE = Path(ftz.__file__).resolve().parent / "data" / "ftz-example.json"
ZONE = "EXAMPLE-FTZ"


def run(*args: str) -> str:
    out = StringIO()
    call_command("transfer", "import-ftz-list", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def example_list(db):
    run(str(EXAMPLE), "--zone", ZONE)
    return FtzList.objects.get(zone=ZONE)


def test_the_example_file_says_it_is_not_an_official_list():
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert "NOT AN OFFICIAL LIST" in data["example"] and "非官方" in data["title"]


def test_importing_the_example_keeps_categories_sub_categories_and_fields(example_list):
    entries = list(example_list.entries.all())
    assert len(entries) == 6 and example_list.version == "example-1"
    assert {e.category for e in entries} == {"汽车 Automotive", "医药 Pharmaceuticals"}
    plate = next(e for e in entries if e.field == "licence_plate")
    assert plate.sub_category.startswith("车辆与道路数据")
    assert plate.terms == sorted(["licenceplate", "车牌号", "plate"])


def test_importing_again_is_idempotent_and_new_content_replaces(example_list, tmp_path):
    assert "already imported" in run(str(EXAMPLE), "--zone", ZONE.lower())
    assert FtzList.objects.count() == 1 and FtzEntry.objects.count() == 6
    imported = AuditEvent.objects.filter(action="transfer.ftz_list_imported")
    assert imported.count() == 1
    data = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    data["categories"] = data["categories"][:1]
    changed = tmp_path / "list.json"
    changed.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    assert "Replaced EXAMPLE-FTZ example-1: 3 fields" in run(str(changed), "--zone", ZONE)
    assert FtzList.objects.get().pk == example_list.pk and FtzEntry.objects.count() == 3
    assert [e.details["state"] for e in imported.order_by("seq")] == ["created", "replaced"]


def test_a_csv_list_takes_its_version_from_the_command_line(db, tmp_path):
    path = tmp_path / "list.csv"
    path.write_text(
        "category,sub_category,field,description,aliases\n"
        "零售,会员数据,phone,手机号,手机号码|mobile\n",
        encoding="utf-8",
    )
    args = (str(path), "--zone", "sh-lingang", "--list-version", "v1")
    assert "Imported SH-LINGANG v1: 1 fields" in run(*args, "--valid-from", "2025-01-01")
    entry = FtzEntry.objects.get()
    assert (entry.category, entry.sub_category, entry.field) == ("零售", "会员数据", "phone")
    assert entry.terms == ["mobile", "phone", "手机号码"]


@pytest.mark.parametrize(
    ("name", "content", "args", "message"),
    [
        ("l.json", "{not json", [], "Not valid JSON"),
        ("l.json", '{"version": "1"}', [], "list of categories"),
        (
            "l.json",
            '{"version": "1", "valid_from": "soon", "categories": []}',
            [],
            "'soon' is not a date",
        ),
        (
            "l.json",
            '{"zone": "BJ", "version": "1", "valid_from": "2024-01-01", "categories": []}',
            [],
            "the list of BJ, not of EXAMPLE-FTZ",
        ),
        (
            "l.json",
            '{"version": "1", "valid_from": "2024-01-01", "categories": [{"name": "x"}]}',
            [],
            "lists no fields",
        ),
        (
            "l.csv",
            "category,field\nx,y\n",
            ["--list-version", "1", "--valid-from", "2024-01-01"],
            "lacks sub_category",
        ),
        ("l.csv", "category,sub_category,field\n", [], "needs --list-version and --valid-from"),
        (
            "l.csv",
            "category,sub_category,field\nx,,y\n",
            ["--list-version", "1", "--valid-from", "2024-01-01"],
            "line 2, sub_category",
        ),
        ("l.xlsx", "", [], "is .json or .csv"),
    ],
)
def test_a_bad_file_is_a_clear_error_and_imports_nothing(
    db, tmp_path, name, content, args, message
):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        run(str(path), "--zone", ZONE, *args)
    assert not FtzList.objects.exists()


def test_a_missing_file_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="No file"):
        run(str(tmp_path / "absent.json"), "--zone", ZONE)


# --- matching ---------------------------------------------------------------------------


@pytest.fixture
def registry(transport_bureau):
    """Important data (art. 2): a security assessment unless something lifts it."""
    return make_people(transport_bureau, "people-important", 1, 50, level="important")


def exemptions(declaration) -> list[str]:
    return services.facts_of(declaration, 0, 0)["exemptions"]


def test_fields_outside_the_zones_list_are_exempt_under_article_6(
    department_clerk, registry, example_list
):
    declaration = declare(
        department_clerk, [registry], fields=["phone", "district"], ftz_zone="example-ftz"
    )
    assert exemptions(declaration) == ["ftz_outside_list"]
    declaration = count(department_clerk, declaration)
    assert declaration.outcome == "exempt"
    assert "a6-ftz-outside-list" in [r["id"] for r in declaration.rules]


def test_one_field_on_the_list_keeps_the_ordinary_path_whatever_was_claimed(
    department_clerk, registry, example_list
):
    declaration = declare(
        department_clerk,
        [registry],
        fields=["phone", "diagnosis"],
        ftz_zone=ZONE,
        exemptions=["ftz_outside_list"],
    )
    assert exemptions(declaration) == []
    assert count(department_clerk, declaration).outcome == "security_assessment"
    match = ftz.match(declaration, services.today_in_china())
    assert match is not None
    assert [(d, f, e.field) for d, f, e in match.on_list] == [
        ("people-important", "diagnosis", "diagnosis")
    ]


def test_no_fields_chosen_means_every_field_is_matched(department_clerk, registry, example_list):
    declaration = declare(department_clerk, [registry], ftz_zone=ZONE)
    match = ftz.match(declaration, services.today_in_china())
    assert match is not None and not match.all_outside
    assert {f for _d, f, _e in match.on_list} == {"resident_id", "diagnosis"}


def test_a_field_matches_by_its_title_or_its_privacy_tag(
    department_clerk, transport_bureau, make_dataset, example_list
):
    vehicles = make_dataset(name="vehicles")
    Field.objects.create(dataset=vehicles, name="col_7", title="车牌号", position=0)
    tagged = Field.objects.create(dataset=vehicles, name="reg", position=1)
    FieldTag.objects.create(field=tagged, detector="licence_plate")
    Field.objects.create(dataset=vehicles, name="colour", title="颜色", position=2)
    for fields, on_list in ((["col_7"], True), (["reg"], True), (["colour"], False)):
        declaration = declare(department_clerk, [vehicles], fields=fields, ftz_zone=ZONE)
        assert (exemptions(declaration) == []) is on_list, fields


def test_without_a_zone_or_its_list_the_claim_stands(department_clerk, registry, example_list):
    claimed = {"fields": ["diagnosis"], "exemptions": ["ftz_outside_list"]}
    assert exemptions(declare(department_clerk, [registry], **claimed)) == ["ftz_outside_list"]
    other = declare(department_clerk, [registry], ftz_zone="TIANJIN", **claimed)
    assert exemptions(other) == ["ftz_outside_list"]
    assert exemptions(declare(department_clerk, [registry], fields=["phone"])) == []


def test_a_list_not_yet_in_force_is_not_applied(department_clerk, registry, example_list, tmp_path):
    FtzList.objects.update(valid_from="2999-01-01")
    declaration = declare(department_clerk, [registry], fields=["phone"], ftz_zone=ZONE)
    assert exemptions(declaration) == []


def test_the_admin_imports_a_list_file(client, db):
    admin = get_user_model().objects.create_superuser("root", "root@example.org", "pw")
    client.force_login(admin)
    upload = SimpleUploadedFile("ftz-example.json", EXAMPLE.read_bytes())
    response = client.post(
        "/admin/transfer/ftzlist/add/", {"file": upload, "zone_code": ZONE}, follow=True
    )
    assert response.status_code == 200
    assert FtzList.objects.get().entries.count() == 6
    bad = SimpleUploadedFile("bad.json", b"{not json")
    response = client.post("/admin/transfer/ftzlist/add/", {"file": bad, "zone_code": ZONE})
    assert response.status_code == 200 and "Not valid JSON" in response.content.decode()
    assert FtzList.objects.count() == 1
