"""Chinese and English full-text search, ranked, on SQLite FTS5 and PostgreSQL."""

from __future__ import annotations

import pytest

from gongshu.catalog import search as catalog_search
from gongshu.catalog import services
from gongshu.catalog.models import Dataset
from gongshu.catalog.segment import query_terms, tokens


def search(q: str, **filters) -> list[str]:
    return [d.name for d in services.filter_datasets(Dataset.objects.all(), q=q, **filters)]


@pytest.fixture
def corpus(make_dataset, weather_bureau):
    make_dataset(name="traffic-flow", title_zh="城市道路交通流量监测", title_en="")
    make_dataset(
        name="hourly-weather",
        title_zh="逐小时气象观测",
        title_en="Hourly weather observations",
        domain="weather",
        provider=weather_bureau,
    )
    make_dataset(
        name="bus-lines",
        title_zh="公交线路信息",
        title_en="",
        description_zh="公交线路与站点，可用于分析交通出行；不含流量。",
    )
    make_dataset(name="schools", title_zh="全市中小学校基本信息", title_en="", domain="education")


def test_segmentation_cuts_chinese_into_words_and_stems_english():
    assert {"交通", "流量", "城市"} <= set(tokens("城市道路交通流量监测"))
    assert tokens("Hourly weather observations") == ["hour", "weather", "observ"]
    assert query_terms("交通 流量") == ["交通", "流量"]


def test_separate_chinese_words_find_the_title_that_joins_them(corpus):
    assert search("交通 流量")[0] == "traffic-flow"


def test_a_query_written_without_spaces_is_segmented_too(corpus):
    assert search("交通流量") == ["traffic-flow"]


def test_an_english_word_finds_an_english_title(corpus):
    assert search("weather") == ["hourly-weather"]
    assert search("observation") == ["hourly-weather"]


def test_every_term_must_match(corpus):
    assert search("交通 学校") == []


def test_a_title_match_ranks_above_a_description_match(corpus):
    assert search("交通 流量") == ["traffic-flow", "bus-lines"]


def test_the_domain_name_in_chinese_is_searchable(corpus):
    assert "hourly-weather" in search("气象")


def test_a_query_without_searchable_terms_matches_nothing(corpus):
    assert search("的 和 !!!") == []


def test_search_combines_with_filters_and_follows_edits(corpus):
    assert search("交通", domain="weather") == []
    schools = Dataset.objects.get(name="schools")
    services.update_dataset(schools, title_zh="全市中小学校交通流量")
    assert "schools" in search("交通 流量")
    schools.delete()
    assert "schools" not in search("交通 流量")


def test_search_text_does_not_inject_into_the_query(corpus):
    for hostile in ['" OR 1=1 --', "'; DROP TABLE catalog_dataset; --", "交通 AND NOT", "*"]:
        search(hostile)
    assert Dataset.objects.count() == 4


# --- a broad term: the ranked set is capped ---------------------------------------------


@pytest.fixture
def many_matches(make_dataset):
    """Seven resources that all match 公交; the three oldest are drafts nobody else sees."""
    for i in range(3):
        make_dataset(name=f"draft-bus-{i}", title_zh="公交草稿", title_en="", publish=False)
    # The best title match comes last by id: past the cap it is not ranked.
    for i in range(3):
        make_dataset(name=f"bus-{i}", title_zh="公交站点", title_en="", description_zh="公交")
    make_dataset(name="bus-best", title_zh="公交 公交 公交", title_en="")


def test_past_the_cap_only_the_first_matches_are_ranked_and_counted(
    many_matches, client, monkeypatch
):
    answer = client.get("/api/v1/datasets", {"q": "公交"}).json()
    assert (answer["count"], answer["capped"]) == (4, False)  # drafts are not the public's
    assert answer["results"][0]["name"] == "bus-best"
    monkeypatch.setattr(catalog_search, "RANK_CAP", 2)
    answer = client.get("/api/v1/datasets", {"q": "公交"}).json()
    # The cap counts what the caller may see: the drafts' lower ids do not use it up.
    assert (answer["count"], answer["capped"]) == (2, True)
    assert {r["name"] for r in answer["results"]} == {"bus-0", "bus-1"}
    monkeypatch.setattr(catalog_search, "RANK_CAP", 4)  # exactly as many as match: not capped
    answer = client.get("/api/v1/datasets", {"q": "公交"}).json()
    assert (answer["count"], answer["capped"]) == (4, False)


def test_a_sorted_or_unsearched_listing_is_never_capped(many_matches, client, monkeypatch):
    monkeypatch.setattr(catalog_search, "RANK_CAP", 1)
    newest = client.get("/api/v1/datasets", {"q": "公交", "ordering": "-updated"}).json()
    assert (newest["count"], newest["capped"]) == (4, False)
    assert client.get("/api/v1/datasets").json()["capped"] is False


def test_the_portal_says_more_match_than_are_ranked(many_matches, client, monkeypatch):
    monkeypatch.setattr(catalog_search, "RANK_CAP", 2)
    page = client.get("/search/", {"q": "公交"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "More than 2 resources match" in page
    monkeypatch.setattr(catalog_search, "RANK_CAP", 10)
    page = client.get("/search/", {"q": "公交"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "More than" not in page and "4 resources" in page
