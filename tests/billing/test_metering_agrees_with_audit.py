"""Every allowed read writes one usage event in the transaction of its audit entry: a run
of reads leaves as many events as data.read entries, each naming its entry, and a
failure after the audit append rolls back both."""

from __future__ import annotations

import pytest

from gongshu.audit.models import AuditEvent
from gongshu.billing.models import UsageEvent
from gongshu.policy import events
from tests.billing import factories as f
from tests.reads import read_once, refusal


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

    def broken(event):
        raise RuntimeError("metering store down")

    # The handler table names metering by dotted path (policy/events.py); break that one.
    resolve = events._resolve
    metered = "gongshu.billing.metering.on_data_read"
    assert metered in [h.path for h in events.HANDLERS[events.DataRead]]
    monkeypatch.setattr(
        events, "_resolve", lambda path: broken if path == metered else resolve(path)
    )
    with pytest.raises(RuntimeError, match="metering store down"):
        read_once(user, dataset, rows=3, bytes=30)
    assert not AuditEvent.objects.filter(action="data.read").exists()
    assert not UsageEvent.objects.exists()


def test_an_allowed_read_is_audited_once_when_its_lease_closes(data_authority, transport_bureau):
    dataset = f.resource(transport_bureau)
    plan = f.plan(data_authority, [dataset])
    user = f.reader()
    agreement = f.agreement(user, dataset, plan)
    lease = read_once(user, dataset, rows=4, bytes=40)
    # Deciding writes nothing; the closed lease wrote the one entry, with the Decision.
    assert not AuditEvent.objects.filter(action__startswith="access.").exists()
    [entry] = AuditEvent.objects.filter(action="data.read")
    assert entry.details["allowed"] is True
    assert entry.details["reason"] == lease.decision.reason == f"Allowed under agreement #{agreement.pk}."  # fmt: skip
    assert (entry.details["channel"], entry.details["purpose"]) == ("opening", "commercial")
    assert (entry.details["agreement"], entry.details["rows"], entry.details["bytes"]) == (agreement.pk, 4, 40)  # fmt: skip
    [event] = UsageEvent.objects.all()
    assert (event.audit_seq, event.rows, event.bytes) == (entry.seq, 4, 40)


def test_a_refused_read_is_audited_as_refused_and_not_metered(data_authority, transport_bureau):
    dataset = f.resource(transport_bureau)
    plan = f.plan(data_authority, [dataset])
    user = f.reader()
    agreement = f.agreement(user, dataset, plan)
    # Purpose binding: the commercial agreement does not serve another purpose.
    refused = refusal(user, dataset, purpose="public_welfare")
    assert f"#{agreement.pk} is for the purpose commercial only" in refused.reason
    [entry] = AuditEvent.objects.filter(action__in=["access.read", "data.read"])
    assert entry.action == "access.read" and entry.details["allowed"] is False
    assert entry.details["purpose"] == "public_welfare"
    assert not UsageEvent.objects.exists()
