"""A gate refusal on the resource page is worded in the reader's language: the reason
is formatted when the read is refused, which is while the reader's request is served."""

from __future__ import annotations

import pytest

from tests.billing import factories as f

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.mark.parametrize(
    ("lang", "reason"),
    [
        (EN, "allows 1 calls a day, all used; try again tomorrow."),
        (ZH, "每日限调用 1 次，今日额度已用完，请明天再试。"),
    ],
    ids=["en", "zh"],
)
def test_the_resource_page_says_why_a_read_is_refused_in_the_readers_language(
    transport_bureau, login, lang, reason
):
    dataset = f.resource(transport_bureau)
    user = f.reader("fudan-ds", "research")
    agreement = f.agreement(user, dataset, None, purpose="scientific_research", calls_per_day=1)
    client = login(user)
    url = f"/datasets/{dataset.name}/"
    assert "▇▇" in client.get(url, **lang).content.decode()  # the one call of the day
    refused = client.get(url, **lang).content.decode()
    alert = refused.split('<p class="error" role="alert">')[1].split("</p>")[0]
    assert f"#{agreement.pk}" in alert and reason in alert
