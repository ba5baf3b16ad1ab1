"""Personal data that arrives after a resource was published unconditionally open is
not handed out raw: open reads get the field's release mask, or null."""

from __future__ import annotations

from gongshu.catalog import services as catalog
from gongshu.catalog.models import Field
from tests.tabular.factories import make_version


def test_it_nulls_a_personal_field_tagged_after_an_open_publication(client, make_dataset):
    dataset = make_dataset(name="open-table")
    version = make_version(
        dataset, "SELECT 'A' || i::VARCHAR AS code, '13800138000' AS phone FROM range(3) t(i)"
    )
    catalog.replace_fields(dataset, version.table_schema["fields"])
    Field.objects.filter(dataset=dataset, name="phone").update(sensitivity="personal")
    body = client.get("/api/v1/datasets/open-table/rows").json()
    assert [row["phone"] for row in body["rows"]] == [None, None, None]
    assert [row["code"] for row in body["rows"]] == ["A0", "A1", "A2"]


def test_without_personal_fields_open_reads_are_unmasked(client, make_dataset):
    dataset = make_dataset(name="open-table")
    make_version(dataset, "SELECT '13800138000' AS phone")
    assert client.get("/api/v1/datasets/open-table/rows").json()["rows"] == [
        {"phone": "13800138000"}
    ]
