"""The SQL page reads each resource under the agreement its reader chose: on the
resource page (kept in the session) or on the SQL page itself, in both languages."""

from __future__ import annotations

import pytest

from gongshu.audit.models import AuditEvent
from tests.billing import factories as f
from tests.portal.test_consumer_flows import EN, ZH, _unmasked

QUERY = 'SELECT id, plate FROM "bus-flow" ORDER BY id LIMIT 1'


@pytest.fixture
def two_agreements(transport_bureau):
    """A masked agreement for research and a newer unmasked one for public welfare."""
    dataset = f.resource(transport_bureau)
    user = f.reader("fudan-ds", "research")
    masked = f.agreement(user, dataset, None, purpose="scientific_research")
    plain = f.agreement(user, dataset, None, purpose="public_welfare")
    _unmasked(plain)
    return dataset, user, masked, plain


def _last_read_under() -> int:
    return (
        AuditEvent.objects.filter(action="data.read").order_by("-seq").first().details["agreement"]
    )


@pytest.mark.parametrize("lang", [EN, ZH])
def test_the_sql_page_reads_under_the_agreement_chosen_on_the_resource_page(
    two_agreements, login, lang
):
    dataset, user, masked, _plain = two_agreements
    client = login(user)
    client.post(f"/datasets/{dataset.name}/", {"agreement": masked.pk}, **lang)
    page = client.post("/sql/", {"sql": QUERY}, **lang).content.decode()
    assert "data-sql-answer" in page
    assert "plate-0001" not in page and "▇▇" in page  # the masked agreement's mask
    assert f'value="{masked.pk}" selected' in page
    assert ('Read "bus-flow" under' if lang is EN else "读取“bus-flow”所依据的协议") in page
    assert _last_read_under() == masked.pk


@pytest.mark.parametrize("lang", [EN, ZH])
def test_a_choice_on_the_sql_page_applies_and_is_remembered(two_agreements, login, lang):
    dataset, user, masked, plain = two_agreements
    client = login(user)
    client.post(f"/datasets/{dataset.name}/", {"agreement": plain.pk}, **lang)
    page = client.post(
        "/sql/", {"sql": QUERY, f"under-{dataset.name}": masked.pk}, **lang
    ).content.decode()
    assert "plate-0001" not in page and "▇▇" in page
    assert _last_read_under() == masked.pk
    again = client.post(
        "/sql/", {"sql": QUERY, f"under-{dataset.name}": plain.pk}, **lang
    ).content.decode()
    assert "plate-0001" in again and _last_read_under() == plain.pk
    # The choice is the resource page's too.
    resource = client.get(f"/datasets/{dataset.name}/", **lang).content.decode()
    assert f'value="{plain.pk}" selected' in resource


def test_an_agreement_that_is_not_the_readers_is_ignored(two_agreements, login):
    dataset, user, masked, _plain = two_agreements
    client = login(user)
    client.post(f"/datasets/{dataset.name}/", {"agreement": masked.pk})
    page = client.post("/sql/", {"sql": QUERY, f"under-{dataset.name}": 999999}).content.decode()
    assert "▇▇" in page and _last_read_under() == masked.pk
