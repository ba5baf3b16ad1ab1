"""The catalog pages: search from the home page, open a resource, switch language."""

from __future__ import annotations


def test_the_home_page_searches_the_catalog(client, make_dataset):
    make_dataset(title_zh="城市道路交通流量监测")
    make_dataset(title_zh="全市中小学校基本信息", title_en="Schools", domain="education")
    page = client.get("/search/", {"q": "交通 流量"}).content.decode()
    assert "城市道路交通流量监测" in page
    assert "全市中小学校基本信息" not in page


def test_the_home_page_filters_by_domain(client, make_dataset):
    make_dataset(title_zh="城市道路交通流量监测")
    make_dataset(title_zh="全市中小学校基本信息", title_en="Schools", domain="education")
    page = client.get("/search/", {"domain": "education"}).content.decode()
    assert "全市中小学校基本信息" in page and "城市道路交通流量监测" not in page


def test_a_draft_is_not_shown_to_the_public(client, make_dataset):
    draft = make_dataset(title_zh="草稿资源", publish=False)
    assert "草稿资源" not in client.get("/").content.decode()
    assert client.get(f"/datasets/{draft.name}/").status_code == 404


def test_a_resource_page_shows_its_attributes(client, make_dataset):
    dataset = make_dataset()
    page = client.get(f"/datasets/{dataset.name}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert dataset.title_zh in page
    assert "Unconditionally open" in page


def test_the_language_follows_the_browser_and_can_be_switched(client, db):
    assert (
        "Public data resource catalog"
        in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    assert "公共数据资源目录" in client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert (
        "Public data resource catalog"
        in client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    )


def test_the_admin_speaks_chinese(admin_client):
    page = admin_client.get(
        "/admin/catalog/dataset/", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).content.decode()
    assert "数据资源" in page
