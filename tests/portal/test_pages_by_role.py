"""Each page for each role: who gets it, who is sent to sign in, who gets 403; forms say
what to fix next to the field; the chart reads through the gate."""

from __future__ import annotations

import pytest

from gongshu import gate
from gongshu.gate import lease
from tests.tabular.factories import make_version

PAGES = {
    "/inbox/": {"reviewer", "bureau_admin", "data_authority"},
    "/workspace/": {"department_clerk", "bureau_admin"},
    "/workspace/new/": {"department_clerk", "bureau_admin"},
    "/dashboard/": {"data_authority"},
    "/audit/": {"auditor", "data_authority"},
}
EVERYONE = ("/applications/", "/account/")  # any signed-in person
PERSONAS = ["licensed_operator", "department_clerk", "bureau_admin", "reviewer", "data_authority", "auditor"]  # fmt: skip


@pytest.mark.parametrize("url", sorted([*PAGES, *EVERYONE]))
def test_it_sends_the_public_to_sign_in(client, db, url):
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith("/login/")


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("url", sorted([*PAGES, *EVERYONE]))
def test_it_serves_each_page_to_its_roles_only(request, login, url, persona):
    client = login(request.getfixturevalue(persona))
    expected = 200 if url in EVERYONE or persona in PAGES[url] else 403
    assert client.get(url).status_code == expected


def test_the_home_page_counts(client, make_dataset):
    make_dataset()
    page = client.get("/").content.decode()
    assert "Applications this month" in page and "Rows served" in page


def test_the_search_shows_facets_and_what_each_visitor_can_do(client, make_dataset):
    make_dataset(title_zh="公交站点客流")
    make_dataset(title_zh="出租车行程", opening_attribute="conditional", sharing_attribute="conditional")  # fmt: skip
    page = client.get("/search/").content.decode()
    assert "Open: preview and download" in page and "Sign in to apply" in page
    assert "Conditionally open" in page  # the opening facet


def test_a_member_may_apply_and_the_form_says_what_to_fix(login, licensed_operator, make_dataset):
    dataset = make_dataset(opening_attribute="conditional", sharing_attribute="conditional")
    client = login(licensed_operator)
    assert "Apply for access" in client.get(f"/datasets/{dataset.name}/").content.decode()
    response = client.post(
        f"/datasets/{dataset.name}/apply/",
        {"organization": "sh-data-ops", "channel": "opening", "purpose": "commercial",
         "period_start": "2020-01-01", "period_end": "2020-02-01"},
    )  # fmt: skip
    page = response.content.decode()
    assert 'id="id_description_error"' in page and 'id="id_period_end_error"' in page


def test_it_refuses_an_application_where_none_is_needed(login, licensed_operator, make_dataset):
    dataset = make_dataset()  # unconditionally open
    assert login(licensed_operator).get(f"/datasets/{dataset.name}/apply/").status_code == 403


def test_a_token_is_shown_once_and_revoked(login, licensed_operator):
    client = login(licensed_operator)
    page = client.post("/account/", {"name": "etl", "scope": "read", "days": 30}).content.decode()
    assert "shown only once" in page and "gs_" in page
    from gongshu.orgs.models import ApiToken

    token = ApiToken.objects.get(owner=licensed_operator)
    assert "shown only once" not in client.get("/account/").content.decode()
    client.post(f"/account/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_a_token_form_names_the_missing_field(login, licensed_operator):
    page = login(licensed_operator).post("/account/", {"name": "", "scope": "read", "days": 30})
    assert 'id="id_name_error"' in page.content.decode()


def test_the_register_form_shows_the_catalog_rule_next_to_the_field(login, department_clerk):
    response = login(department_clerk).post(
        "/workspace/new/",
        {"title_zh": "核心数据", "domain": "transport", "provider": department_clerk.memberships.get().organization_id,
         "level": "core", "opening_attribute": "unconditional", "sharing_attribute": "not_shared",
         "update_frequency": "daily"},
    )  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 200 and "field-error" in page


def test_an_editor_of_another_provider_cannot_manage(login, weather_bureau, make_dataset):
    from gongshu.orgs import services as orgs
    from tests.conftest import _person

    other = _person("weather-editor")
    orgs.grant_role(None, other, weather_bureau, "editor")
    dataset = make_dataset()
    assert login(other).get(f"/workspace/{dataset.name}/").status_code == 403


def test_the_chart_asks_the_gate(client, make_dataset, monkeypatch):
    dataset = make_dataset(name="gated-chart")
    make_version(dataset, "SELECT i AS n FROM range(10) t(i)")
    asked = []

    def refuse(caller, ds, action, *, purpose=None, agreement=None):
        asked.append(ds.name)
        return gate.Decision(allowed=False, reason="No.", hide_existence=False)

    # gate.read decides through the lease module's binding of authorize.
    monkeypatch.setattr(lease, "authorize", refuse)
    page = client.get(f"/datasets/{dataset.name}/", {"chart": "n"}).content.decode()
    assert asked == ["gated-chart"] and "No." in page


def test_the_chart_draws_a_histogram(client, make_dataset):
    dataset = make_dataset(name="numbers")
    make_version(dataset, "SELECT i AS n FROM range(100) t(i)")
    page = client.get(f"/datasets/{dataset.name}/", {"chart": "n"}).content.decode()
    assert page.count("<rect") == 20 and "over 100 rows" in page
