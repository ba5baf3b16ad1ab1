"""Every allowed read writes one usage event in the transaction of its audit entry: a run
of reads leaves as many events as data.read entries, each naming its entry, and a
failure after the audit append rolls back both."""

from __future__ import annotations

import pytest

from gongshu.access import gate
from gongshu.audit.models import AuditEvent
from gongshu.billing import metering
from gongshu.billing.models import UsageEvent
from tests.billing import factories as f


def test_it_writes_one_event_per_read_entry(data_authority, transport_bureau, login):
    dataset = f.resource(transport_bureau)
    plan = f.plan(data_authority, [dataset])
    user = f.reader()
    f.agreement(user, dataset, plan)
    client = login(user)
    for limit in (5, 10, 20):
        assert (
            client.get(f"/api/v1/datasets/{dataset.name}/rows", {"limit": limit}).status_code == 200
        )
    export = client.get(f"/api/v1/datasets/{dataset.name}/export.csv")
    b"".join(export.streaming_content)  # an export is recorded when its stream ends
    reads = {e.seq: e for e in AuditEvent.objects.filter(action="data.read")}
    events = list(UsageEvent.objects.all())
    assert len(events) == len(reads) == 4
    for event in events:
        entry = reads[event.audit_seq]
        assert event.rows == (entry.details.get("rows") or 0)
        assert event.bytes == entry.details["bytes"]
        assert event.plan == plan and event.agreement_id == entry.details["agreement"]


def test_a_failure_after_the_audit_append_rolls_back_both(data_authority, transport_bureau, monkeypatch):  # fmt: skip
    dataset = f.resource(transport_bureau)
    plan = f.plan(data_authority, [dataset])
    user = f.reader()
    f.agreement(user, dataset, plan)
    decision = gate.authorize(user, dataset, gate.Action.READ)

    def broken(*args, **kwargs):
        raise RuntimeError("metering store down")

    monkeypatch.setattr(metering, "meter", broken)
    with pytest.raises(RuntimeError):
        gate.record_read(user, dataset, decision, rows=3, bytes_returned=30)
    assert not AuditEvent.objects.filter(action="data.read").exists()
    assert not UsageEvent.objects.exists()
