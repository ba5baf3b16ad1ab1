"""The resource page's download links: the CSV one opens in Excel with its Chinese text
intact, which takes a UTF-8 BOM; the other formats are as the API writes them."""

from __future__ import annotations

import re

import pytest

from tests.tabular.factories import make_version


def _links(page: str) -> dict[str, str]:
    block = page[page.index('class="downloads"') :]
    block = block[: block.index("</ul>")]
    found = re.findall(r'<a href="([^"]+)" download>([A-Z]+)</a>', block)
    return {label: href.replace("&amp;", "&") for href, label in found}


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_csv_download_starts_with_a_bom(client, make_dataset, language):
    dataset = make_dataset(name="roads")
    make_version(dataset, "SELECT 1 AS id, '上海' AS 城市")
    page = client.get(f"/datasets/{dataset.name}/", HTTP_ACCEPT_LANGUAGE=language)
    links = _links(page.content.decode())
    assert set(links) == {"CSV", "JSON", "NDJSON", "PARQUET", "XLSX"}
    response = client.get(links["CSV"])
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert body[:3] == b"\xef\xbb\xbf"
    assert body[3:].decode("utf-8").splitlines() == ['"id","城市"', '1,"上海"']
    json_body = b"".join(client.get(links["JSON"]).streaming_content)
    assert not json_body.startswith(b"\xef\xbb\xbf")
