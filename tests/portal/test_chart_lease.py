"""A chart is read under the gate's lease: its bars count as the rows sent, cut to the
rows an agreement leaves today, and the read is audited once."""

from __future__ import annotations

from django.test import Client

from gongshu.audit.models import AuditEvent
from tests.billing import factories as f


def test_a_chart_counts_its_bars_and_is_cut_to_the_rows_left(transport_bureau):
    dataset = f.resource(transport_bureau)  # conditionally open: read under an agreement
    user = f.reader()
    agreement = f.agreement(user, dataset, None, purpose="public_welfare", rows_per_day=2)
    client = Client()
    client.force_login(user)

    page = client.get(f"/datasets/{dataset.name}/", {"chart": "district"}).content.decode()
    assert "2 rows a day" in page  # the notice: three districts, two bars shown
    [entry] = AuditEvent.objects.filter(action="data.read")
    assert entry.details["rows"] == 2 and entry.details["agreement"] == agreement.pk

    page = client.get(f"/datasets/{dataset.name}/", {"chart": "district"}).content.decode()
    assert "all used" in page  # the gate refuses once the rows are used
    assert AuditEvent.objects.filter(action="data.read").count() == 1
