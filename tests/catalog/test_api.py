"""The catalog API: listing, filters, search, detail, and writes with clear 4xx errors."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from gongshu.catalog.models import Dataset

VALID = {
    "title_zh": "公交站点",
    "title_en": "Bus stops",
    "domain": "transport",
    "provider": "sh-transport",
    "opening_attribute": "unconditional",
    "sharing_attribute": "unconditional",
    "keywords": ["公交"],
}


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_it_lists_published_resources_with_a_total(client, make_dataset):
    make_dataset(title_en="One")
    make_dataset(title_en="Two")
    make_dataset(title_en="Draft", publish=False)
    response = client.get("/api/v1/datasets?limit=1")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert len(body["results"]) == 1
    assert body["results"][0]["provider"]["code"] == "sh-transport"


def test_drafts_are_hidden_from_the_public_but_shown_to_staff(client, staff_client, make_dataset):
    draft = make_dataset(title_en="Draft", publish=False)
    assert client.get(f"/api/v1/datasets/{draft.name}").status_code == 404
    assert staff_client.get(f"/api/v1/datasets/{draft.name}").status_code == 200


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("domain=weather", {"weather"}),
        ("provider=sh-weather", {"weather"}),
        ("opening_attribute=conditional", {"traffic"}),
        ("level=general", {"traffic", "weather"}),
        ("authorized_operation=true", {"traffic"}),
        ("keyword=%E4%BA%A4%E9%80%9A", {"traffic"}),  # 交通
        ("q=weather", {"weather"}),
        ("q=%E4%BA%A4%E9%80%9A%20%E6%B5%81%E9%87%8F", {"traffic"}),  # 交通 流量
    ],
)
def test_it_filters(client, make_dataset, weather_bureau, query, expected):
    make_dataset(
        name="traffic",
        keywords=["交通"],
        opening_attribute="conditional",
        authorized_operation=True,
    )
    make_dataset(
        name="weather",
        title_zh="逐小时气象观测",
        title_en="Hourly weather observations",
        domain="weather",
        provider=weather_bureau,
    )
    names = {d["name"] for d in client.get(f"/api/v1/datasets?{query}").json()["results"]}
    assert names == expected


def test_it_orders_and_pages(client, make_dataset):
    for title in ["b", "a", "c"]:
        make_dataset(title_zh=title, title_en=title)
    first = client.get("/api/v1/datasets?ordering=title&limit=2").json()["results"]
    second = client.get("/api/v1/datasets?ordering=title&limit=2&offset=2").json()["results"]
    assert [d["title_zh"] for d in first + second] == ["a", "b", "c"]


def test_an_unknown_ordering_is_a_400_naming_it(client):
    response = client.get("/api/v1/datasets?ordering=colour")
    assert response.status_code == 400
    assert "ordering" in response.json()["errors"]


def test_staff_register_a_resource(staff_client, transport_bureau):
    response = post(staff_client, "/api/v1/datasets", VALID)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["name"] == "bus-stops"
    assert body["status"] == "draft"
    assert Dataset.objects.get(name="bus-stops").provider == transport_bureau


def test_the_public_cannot_write(client, transport_bureau):
    assert post(client, "/api/v1/datasets", VALID).status_code == 401
    assert Dataset.objects.count() == 0


def test_session_writes_need_a_csrf_token(staff_user, transport_bureau):
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff_user)
    assert post(client, "/api/v1/datasets", VALID).status_code in (401, 403)
    assert Dataset.objects.count() == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"domain": "astrology"}, "domain"),
        ({"title_zh": None}, "title_zh"),
        ({"title_zh": ""}, "title_zh"),
        ({"level": "core", "general_sublevel": None}, "opening_attribute"),
        ({"provider": "nobody"}, "provider"),
        ({"colour": "red"}, "colour"),
        ({"contact_email": "not-an-address"}, "contact_email"),
    ],
)
def test_bad_input_gets_a_400_naming_the_field_and_stores_nothing(
    staff_client, transport_bureau, change, field
):
    body = {k: v for k, v in {**VALID, **change}.items() if v is not None}
    response = post(staff_client, "/api/v1/datasets", body)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"], response.json()
    assert Dataset.objects.count() == 0


def test_malformed_json_is_a_400(staff_client, transport_bureau):
    response = staff_client.post(
        "/api/v1/datasets", data='{"title_zh": "x",', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["detail"]
    assert Dataset.objects.count() == 0


def test_staff_update_publish_and_retire(staff_client, make_dataset):
    dataset = make_dataset(publish=False)
    url = f"/api/v1/datasets/{dataset.name}"
    response = staff_client.patch(
        url, data=json.dumps({"title_en": "Traffic"}), content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["title_en"] == "Traffic"
    assert post(staff_client, f"{url}/publish", {}).json()["status"] == "published"
    assert post(staff_client, f"{url}/retire", {}).json()["status"] == "retired"


def test_a_rule_broken_by_an_update_is_refused_and_nothing_changes(staff_client, make_dataset):
    dataset = make_dataset()
    response = staff_client.patch(
        f"/api/v1/datasets/{dataset.name}",
        data=json.dumps({"level": "core", "general_sublevel": None}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) >= {"opening_attribute", "sharing_attribute"}
    assert Dataset.objects.get(pk=dataset.pk).level == "general"


def test_organizations_are_listed(client, transport_bureau, weather_bureau):
    codes = [o["code"] for o in client.get("/api/v1/organizations").json()]
    assert codes == ["sh-transport", "sh-weather"]
    assert client.get("/api/v1/organizations/nobody").status_code == 404


def test_openapi_and_docs_are_served(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/datasets" in spec["paths"]
    assert client.get("/api/v1/docs").status_code == 200


def test_every_catalog_change_is_audited_with_its_actor(staff_client, staff_user, transport_bureau):
    from gongshu.audit.models import AuditEvent

    post(staff_client, "/api/v1/datasets", VALID)
    staff_client.patch(
        "/api/v1/datasets/bus-stops",
        data=json.dumps({"title_en": "Bus stops (all)"}),
        content_type="application/json",
    )
    post(staff_client, "/api/v1/datasets/bus-stops/publish", {})
    events = list(
        AuditEvent.objects.order_by("seq").values_list("action", "actor_username", "resource")
    )
    assert events == [
        ("dataset.create", "clerk", "dataset:bus-stops"),
        ("dataset.update", "clerk", "dataset:bus-stops"),
        ("dataset.publish", "clerk", "dataset:bus-stops"),
    ]


def test_a_refused_change_leaves_no_audit_entry(staff_client, transport_bureau):
    from gongshu.audit.models import AuditEvent

    post(staff_client, "/api/v1/datasets", {**VALID, "domain": "astrology"})
    assert not AuditEvent.objects.exists()
