"""CKAN's datastore_search reads under the gate's lease: a page is cut to the rows an
agreement leaves today and says so, and the read is audited once with what it sent."""

from __future__ import annotations

from django.test import Client

from gongshu.audit.models import AuditEvent
from tests.billing import factories as f
from tests.interop.conftest import resource_id


def test_a_page_is_cut_to_the_rows_left(transport_bureau):
    dataset = f.resource(transport_bureau)
    user = f.reader()
    agreement = f.agreement(user, dataset, None, purpose="public_welfare", rows_per_day=5)
    client = Client()
    client.force_login(user)
    rid = resource_id(dataset)

    body = client.get("/api/3/action/datastore_search", {"resource_id": rid, "limit": 100}).json()
    result = body["result"]
    assert len(result["records"]) == 5 and "5 rows a day" in result["quota_notice"]
    assert set(result["records"][0]) == {"_id", "id", "district", "plate"}  # the agreed fields
    [entry] = AuditEvent.objects.filter(action="data.read")
    assert entry.details["rows"] == 5 and entry.details["agreement"] == agreement.pk

    refused = client.get("/api/3/action/datastore_search", {"resource_id": rid})
    assert refused.status_code == 403
    assert "5 rows a day" in refused.json()["error"]["message"]
    assert AuditEvent.objects.filter(action="data.read").count() == 1
