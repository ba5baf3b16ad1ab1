"""The quota is shown to the caller: X-Quota-Remaining on the rows, SQL and export
responses, and the month's usage and quota left at GET /api/v1/usage."""

from __future__ import annotations

from tests.billing import factories as f


def test_it_shows_the_quota_left(data_authority, transport_bureau, login):
    dataset = f.resource(transport_bureau)
    plan = f.plan(data_authority, [dataset], kind="free", included_calls=10, purposes=["public_welfare"])  # fmt: skip
    user = f.reader()
    agreement = f.agreement(user, dataset, plan, purpose="public_welfare")
    client = login(user)
    rows = client.get(f"/api/v1/datasets/{dataset.name}/rows", {"limit": 3})
    assert rows["X-Quota-Remaining"] == "9"
    sql = client.post("/api/v1/sql", {"sql": f'SELECT count(*) FROM "{dataset.name}"'}, content_type="application/json")  # fmt: skip
    assert sql.status_code == 200 and sql["X-Quota-Remaining"] == "8"
    export = client.get(f"/api/v1/datasets/{dataset.name}/export.csv")
    assert export["X-Quota-Remaining"] == "7"
    b"".join(export.streaming_content)  # an export is recorded when its stream ends
    [usage] = client.get("/api/v1/usage").json()
    assert usage["agreement"] == agreement.pk and usage["quota_remaining"] == 7
    assert usage["calls"] == 3 and usage["rows"] >= 3 and usage["charges_so_far"] == "0.00"


def test_it_sends_no_header_without_a_quota(make_dataset, client):
    dataset = make_dataset()
    from tests.tabular.factories import TRAFFIC, make_version

    make_version(dataset, TRAFFIC)
    response = client.get(f"/api/v1/datasets/{dataset.name}/rows")
    assert response.status_code == 200 and "X-Quota-Remaining" not in response
