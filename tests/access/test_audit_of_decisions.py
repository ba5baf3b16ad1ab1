"""Every refusal and every read lands in the hash-chained audit log: who, which
organization, resource, version, channel, purpose, agreement, rows, bytes, query hash,
allowed or denied and why — one entry per read, written by its lease — and the chain
still verifies afterwards."""

from __future__ import annotations

from gongshu.audit import services as audit
from gongshu.audit.models import AuditEvent
from tests.access import world as w


def test_decisions_and_reads_are_audited(db, client):
    built = w.build(resources=[{"level": "general", "opening_attribute": "conditional",
                                "sharing_attribute": "not_shared", "authorized_operation": False}])  # fmt: skip
    dataset = built.datasets[0]
    agreement = built.agreements["research_agreement"]
    client.force_login(built.users["research_agreement"])
    assert client.get(f"/api/v1/datasets/{dataset.name}/rows", {"limit": 5}).status_code == 200
    client.force_login(built.users["enterprise"])
    assert client.get(f"/api/v1/datasets/{dataset.name}/rows").status_code == 403

    [denied] = AuditEvent.objects.filter(action="access.read")
    assert denied.actor_username == "enterprise"
    assert denied.details["allowed"] is False and "apply" in denied.details["reason"].lower()

    [read] = AuditEvent.objects.filter(action="data.read")  # one entry for the allowed read
    assert read.actor_username == "research_agreement"
    assert read.organization == "w-research_agreement"
    assert read.details["allowed"] is True
    assert read.details["agreement"] == agreement.pk
    assert read.details["channel"] == "opening"
    assert read.details["purpose"] == "public_welfare"
    assert read.details["rows"] == 5 and read.details["bytes"] > 0
    assert read.details["version"] == "1" and len(read.details["query_hash"]) == 64
    assert read.resource == f"dataset:{dataset.name}"
    assert audit.verify().ok


def test_exports_record_the_bytes_sent(db, client):
    built = w.build(resources=[{"level": "general", "opening_attribute": "unconditional",
                                "sharing_attribute": "not_shared", "authorized_operation": False}])  # fmt: skip
    dataset = built.datasets[0]
    response = client.get(f"/api/v1/datasets/{dataset.name}/export.csv")
    size = len(b"".join(response.streaming_content))
    read = AuditEvent.objects.get(action="data.read")
    assert read.details["bytes"] == size
    assert read.actor_id is None  # the public
