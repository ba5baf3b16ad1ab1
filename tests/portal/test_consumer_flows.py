"""The consumer's and the licensee's everyday flows in the portal, without the API: the
agreement a read is under, the price told before a billed read (one call a view),
filters, sort and facets in the URL with "download this view", the SQL page, department
pages and search, statements; in English and in Chinese."""

from __future__ import annotations

import csv
import io
import zipfile

import pytest
from django.utils import timezone

from gongshu.access.models import DailyUsage
from gongshu.audit.models import AuditEvent
from gongshu.billing import statements
from gongshu.policy import odrl
from gongshu.portal import stats
from tests.access.world import AGREED_FIELDS
from tests.billing import factories as f
from tests.reads import read_once
from tests.tabular.factories import TRAFFIC, make_version

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _unmasked(agreement) -> None:
    """The same terms without the mask on ``plate``."""
    dataset = agreement.datasets.get()
    agreement.policy = odrl.build(
        uid=f"urn:gongshu:agreement:{agreement.pk}",
        assigner="urn:gongshu:org:w-provider",
        assignee=f"urn:gongshu:org:{agreement.organization.code}",
        targets=[(odrl.dataset_urn(dataset), list(AGREED_FIELDS))],
        purpose=agreement.purpose,
        start=agreement.valid_from,
        end=agreement.valid_until,
    )
    agreement.save()


@pytest.fixture
def two_agreements(transport_bureau):
    """A reader whose organization holds two agreements for one resource: a masked one
    for research and an unmasked one for public welfare (the newer, the gate's first)."""
    dataset = f.resource(transport_bureau)
    user = f.reader("fudan-ds", "research")
    masked = f.agreement(user, dataset, None, purpose="scientific_research")
    plain = f.agreement(user, dataset, None, purpose="public_welfare")
    _unmasked(plain)
    return dataset, user, masked, plain


@pytest.mark.parametrize("lang", [EN, ZH])
def test_a_reader_chooses_the_agreement_and_it_is_remembered(two_agreements, login, lang):
    dataset, user, masked, plain = two_agreements
    client = login(user)
    url = f"/datasets/{dataset.name}/"
    first = client.get(url, **lang).content.decode()
    assert ("Read under" if lang is EN else "读取所依据") in first
    assert f'value="{plain.pk}" selected' in first and "plate-0001" in first  # the gate's first
    assert "▇▇" not in first

    assert client.post(url, {"agreement": masked.pk}, **lang).status_code == 302
    again = client.get(url, **lang).content.decode()  # remembered for this session
    assert f'value="{masked.pk}" selected' in again
    assert "▇▇" in again and "plate-0001" not in again
    last = AuditEvent.objects.filter(action="data.read").order_by("-seq").first()
    assert last.details["agreement"] == masked.pk


def test_a_choice_that_is_not_the_readers_agreement_is_ignored(two_agreements, login):
    dataset, user, _masked, plain = two_agreements
    client = login(user)
    client.post(f"/datasets/{dataset.name}/", {"agreement": 999999})
    assert (
        f'value="{plain.pk}" selected' in client.get(f"/datasets/{dataset.name}/").content.decode()
    )


@pytest.fixture
def billed(data_authority, transport_bureau):
    dataset = f.resource(transport_bureau)
    plan = f.plan(data_authority, [dataset], name="按次计费", unit_price="0.0350")
    user = f.reader()
    agreement = f.agreement(user, dataset, plan)
    return dataset, user, agreement


@pytest.mark.parametrize(
    ("lang", "words"),
    [(EN, ["¥0.035 a call", "Used today under this agreement: 0 calls, 0 rows."]),
     (ZH, ["每次调用 ¥0.035", "此协议今日已用：0 次调用，0 行。"])],
)  # fmt: skip
def test_a_billed_read_shows_its_price_first_and_a_view_costs_one_call(billed, login, lang, words):
    dataset, user, agreement = billed
    client = login(user)
    page = client.get(f"/datasets/{dataset.name}/", **lang).content.decode()
    assert "按次计费" in page
    for text in words:
        assert text in page
    assert "data-read" in page and "data-preview-table" not in page
    assert not AuditEvent.objects.filter(action="data.read").exists()  # nothing read yet

    # The preview and a chart: one page view, one lease, one call.
    shown = client.get(f"/datasets/{dataset.name}/", {"read": "1", "chart": "district"}, **lang)
    assert b"data-preview-table" in shown.content and b"<svg" in shown.content
    assert AuditEvent.objects.filter(action="data.read").count() == 1
    assert DailyUsage.objects.get(agreement=agreement).calls == 1
    # Every link that reads again says it costs a call, and keeps the confirmation.
    assert ("one billed call" if lang is EN else "一次计费调用") in shown.content.decode()
    assert "read=1" in shown.content.decode().split("data-next")[0].rsplit("href=", 1)[1]


@pytest.fixture
def traffic(make_dataset):
    dataset = make_dataset(name="traffic-flow")
    make_version(dataset, TRAFFIC)
    return dataset


def test_filters_sort_and_facets_live_in_the_url_and_the_view_downloads(traffic, client):
    url = f"/datasets/{traffic.name}/"
    wanted = {"filter": ["district:eq:Xuhui", "speed:ge:20"], "sort": "-speed", "facet": "peak"}
    page = client.get(url, wanted).content.decode()
    assert 'aria-sort="descending"' in page
    chips = page.split('<ul class="chips"')[1].split("</ul>")[0]
    assert "district = Xuhui" in chips and "speed &gt;= 20" in chips  # both, as people read them
    assert chips.count("✕") == 2  # each removable
    api = client.get(f"/api/v1/datasets/{traffic.name}/rows", {**wanted, "limit": 100}).json()
    assert f"of {api['total']} rows" in page
    # A facet's value narrows the view further, keeping its other filters and sort.
    facet_link = page.split("filter=peak%3Aeq%3Atrue")[0].rsplit('href="', 1)[1]
    assert "district%3Aeq%3AXuhui" in facet_link and "speed%3Age%3A20" in facet_link
    assert "sort=-speed" in facet_link

    # "Download this view": exactly the filtered, sorted rows, with a BOM for Excel.
    link = page.split('data-view-export="csv"')[0].rsplit('href="', 1)[1].split('"')[0]
    assert "bom=true" in link
    body = client.get(link.replace("&amp;", "&"))
    text = b"".join(body.streaming_content)
    assert text.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(text.decode("utf-8-sig"))))
    assert [r["id"] for r in rows] == [str(r["id"]) for r in api["rows"]]

    # The form adds a filter to those in the URL.
    added = client.get(url, {**wanted, "f_field": "peak", "f_op": "eq", "f_value": "true"})
    assert added.status_code == 302 and "filter=peak%3Aeq%3Atrue" in added["Location"]


@pytest.mark.parametrize("lang", [EN, ZH])
def test_a_bad_filter_shows_the_apis_exact_reason(traffic, client, lang):
    reason = client.get(
        f"/api/v1/datasets/{traffic.name}/rows", {"filter": "speed:gt:fast"}, **lang
    ).json()["errors"]["filter"][0]
    page = client.get(f"/datasets/{traffic.name}/", {"filter": "speed:gt:fast"}, **lang)
    assert reason in page.content.decode()
    assert ("fast" in reason) and ("BIGINT" in reason)


@pytest.mark.parametrize("lang", [EN, ZH])
def test_the_sql_page_runs_through_the_sandbox_with_its_limits(traffic, client, lang):
    prefilled = client.get("/sql/", {"sql": 'SELECT 1 FROM "traffic-flow"'}, **lang)
    assert b"SELECT 1 FROM" in prefilled.content and b"data-sql-answer" not in prefilled.content
    assert b"traffic-flow" in prefilled.content  # listed among what may be queried
    assert not AuditEvent.objects.filter(action="data.read").exists()  # GET never runs it

    page = client.post(
        "/sql/",
        {"sql": 'SELECT district, speed FROM "traffic-flow" ORDER BY id', "limit": "3"},
        **lang,
    ).content.decode()
    assert "data-sql-answer" in page and page.count("<tr>") >= 4
    assert "data-truncated" in page
    assert ("cut to the first 3 rows" if lang is EN else "只显示前 3 行") in page

    refused = client.post("/sql/", {"sql": 'DROP TABLE "traffic-flow"'}, **lang).content.decode()
    api = client.post(
        "/api/v1/sql", {"sql": 'DROP TABLE "traffic-flow"'}, content_type="application/json", **lang
    ).json()
    message = next(iter(api["errors"].values()))[0]
    assert message in refused.replace("&quot;", '"').replace("&#x27;", "'")


@pytest.mark.parametrize("hostile", ["9" * 5000, "²", "99999999999999999999999", "-1", " 3"])
def test_hostile_numbers_in_the_portal_are_ignored_not_a_500(traffic, client, hostile):
    """int() of 5,000 digits or of "²" raises; past 2**63 a database overflows."""
    got = client.post("/sql/", {"sql": 'SELECT 1 FROM "traffic-flow"', "limit": hostile})
    assert got.status_code == 200 and b"data-sql-answer" in got.content
    chose = client.post(f"/datasets/{traffic.name}/", {"agreement": hostile})
    assert chose.status_code in (200, 302)


def test_the_resource_page_links_to_the_sql_page(traffic, client):
    page = client.get(f"/datasets/{traffic.name}/").content.decode()
    assert "/sql/?sql=SELECT" in page


@pytest.mark.parametrize(("lang", "heading"), [(EN, "Departments"), (ZH, "部门")])
def test_search_finds_a_department_and_its_page_lists_what_one_may_see(
    traffic, make_dataset, client, lang, heading, transport_bureau
):
    make_dataset(name="unpublished-one", publish=False)
    hits = client.get("/search/", {"q": "交通"}, **lang).content.decode()
    assert heading in hits and f"/organizations/{transport_bureau.code}/" in hits
    english = client.get("/search/", {"q": "Transportation Commission"}, **lang).content.decode()
    assert f"/organizations/{transport_bureau.code}/" in english
    assert "traffic-flow" in client.get("/search/", {"q": "交通 流量"}, **lang).content.decode()

    org = client.get(f"/organizations/{transport_bureau.code}/", **lang).content.decode()
    assert "上海市交通委员会" in org and "/datasets/traffic-flow/" in org
    assert "unpublished-one" not in org


@pytest.fixture
def statement(data_authority, transport_bureau):
    dataset = f.resource(transport_bureau)
    plan = f.plan(data_authority, [dataset], unit_price="0.0333")
    user = f.reader()
    f.agreement(user, dataset, plan)
    for _ in range(7):
        read_once(user, dataset, rows=2, bytes=20)
    [made] = statements.issue_month(timezone.localdate())
    return made, user


@pytest.mark.parametrize(("lang", "word"), [(EN, "Revenue shares"), (ZH, "收益分成")])
def test_a_statement_has_its_page_and_files_for_its_parties(
    statement, login, data_authority, lang, word
):
    made, user = statement
    for who in (user, data_authority):
        page = login(who).get(f"/statements/{made.number}/", **lang).content.decode()
        assert word in page and "0.23" in page and "0.0333" in page
        assert "0.033300" not in page and "7.000000" not in page
    account = login(user).get("/account/", **lang).content.decode()
    assert f"/statements/{made.number}/" in account
    assert login(f.reader("other-co")).get(f"/statements/{made.number}/").status_code == 404

    as_csv = login(user).get(f"/statements/{made.number}/statement.csv")
    assert as_csv.content.startswith(b"\xef\xbb\xbf")
    assert ["", "Total", "", "", "", "0.23"] in list(
        csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig")))
    )
    as_xlsx = login(user).get(f"/statements/{made.number}/statement.xlsx")
    assert zipfile.is_zipfile(io.BytesIO(as_xlsx.content))


def test_rows_served_counts_downloads(traffic, client):
    before = stats.rows_served()
    for url in ("export.csv", "export.parquet", "export.xlsx", "versions/1/download"):
        body = client.get(f"/api/v1/datasets/{traffic.name}/{url}")
        assert body.status_code == 200, url
        b"".join(body.streaming_content)
    assert stats.rows_served() == before + 400
    rows, _sent, top = stats.served_per_day()
    assert rows[-1].value == 400 and top[0].value == 400


def test_numbers_are_rounded_for_people(make_dataset, client):
    dataset = make_dataset(name="noisy")
    make_version(
        dataset, "SELECT i AS id, 10.357019999999999 + i * 0.1 AS reading FROM range(1, 40) t(i)"
    )
    page = client.get(f"/datasets/{dataset.name}/", {"chart": "reading"}).content.decode()
    assert "10.45702" in page and "10.457019999" not in page  # the preview's cells
    ticks = page.split("figure")[1]
    assert ">10.4<" in ticks and ">10.6<" in ticks  # bins of a round width, from a round start
    assert "0000000" not in ticks and "9999999" not in ticks
