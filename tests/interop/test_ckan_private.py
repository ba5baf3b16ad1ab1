"""CKAN's ``private``: an entry the public may not see (``visible_to`` of nobody) is
``"private": true`` to every caller who sees it, and is listed by package_list and
package_search only with include_private=true — so a harvester holding a privileged
token never republishes a restricted or important resource as public."""

from __future__ import annotations

import pytest

from tests.tabular.factories import make_version

pytestmark = pytest.mark.django_db


@pytest.fixture
def restricted(interop_catalog, make_dataset):
    important = make_dataset(
        name="freight-routes",
        title_zh="危险品运输路线",
        level="important",
        general_sublevel=None,
        opening_attribute="not_open",
        sharing_attribute="conditional",
    )
    make_version(important, "SELECT 1 AS route")
    return {**interop_catalog, "important": important}


def get(client, name: str, token: str | None = None, **params):
    headers = {"HTTP_AUTHORIZATION": token} if token else {}
    response = client.get(f"/api/3/action/{name}", params, **headers)
    assert response.status_code == 200, response.json()
    return response.json()["result"]


def names(result) -> list[str]:
    return sorted(p["name"] for p in result["results"])


def test_the_public_sees_public_entries_as_not_private(client, restricted):
    assert get(client, "package_show", id="rainfall")["private"] is False
    assert get(client, "package_list") == ["rainfall", "traffic-flow"]
    # include_private shows nothing more to someone who may see nothing more.
    assert get(client, "package_list", include_private="true") == ["rainfall", "traffic-flow"]
    assert names(get(client, "package_search", include_private="true")) == [
        "rainfall",
        "traffic-flow",
    ]


def test_a_privileged_token_sees_restricted_entries_only_as_private(
    client, restricted, weather_clerk, make_token
):
    token = make_token(weather_clerk)  # a government department: sees shared entries
    for name in ("bus-cards", "freight-routes"):
        assert get(client, "package_show", token, id=name)["private"] is True
    assert get(client, "package_show", token, id="traffic-flow")["private"] is False

    assert get(client, "package_list", token) == ["rainfall", "traffic-flow"]
    assert names(get(client, "package_search", token, rows=100)) == ["rainfall", "traffic-flow"]
    search = get(client, "package_search", token, include_private="true", sort="id asc")
    assert names(search) == ["bus-cards", "freight-routes", "rainfall", "traffic-flow"]
    assert {p["name"]: p["private"] for p in search["results"]} == {
        "bus-cards": True,
        "freight-routes": True,
        "rainfall": False,
        "traffic-flow": False,
    }
    assert get(client, "package_list", token, include_private="true") == [
        "bus-cards",
        "freight-routes",
        "rainfall",
        "traffic-flow",
    ]
    # Lists that carry whole packages mark them the same way.
    org = get(client, "organization_show", token, id="sh-transport", include_datasets="true")
    assert {p["name"]: p["private"] for p in org["packages"]}["bus-cards"] is True
    assert [p["name"] for p in get(client, "current_package_list_with_resources", token)] == [
        "traffic-flow",
        "rainfall",
    ]


def test_capacity_and_private_filter_like_ckans_index(
    client, restricted, weather_clerk, make_token
):
    token = make_token(weather_clerk)
    found = get(client, "package_search", token, include_private="true", fq="capacity:private")
    assert names(found) == ["bus-cards", "freight-routes"]
    found = get(client, "package_search", token, include_private="true", fq="-capacity:private")
    assert names(found) == ["rainfall", "traffic-flow"]


def test_drafts_are_private_and_need_include_drafts(client, restricted, bureau_admin, make_token):
    token = make_token(bureau_admin)  # edits the provider's entries, drafts included
    assert get(client, "package_show", token, id="draft-plan")["private"] is True
    assert "draft-plan" not in names(get(client, "package_search", token, include_private="true"))
    found = get(client, "package_search", token, include_private="true", include_drafts="true")
    assert "draft-plan" in names(found)
