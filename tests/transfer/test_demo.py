"""The demo's four declarations are counted from generated data through the gate, not
recorded: 150,000 distinct phones, 12,000 distinct resident IDs; loading twice counts
nothing twice."""

from __future__ import annotations

import pytest

from gongshu.audit.models import AuditEvent
from gongshu.audit.services import query_hash
from gongshu.demo import loader, transfer
from gongshu.transfer.models import Declaration


@pytest.mark.slow
def test_the_demo_counts_its_declarations_from_the_data(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    loader.load(lambda _: None, with_data=False)
    said = []
    first = transfer.load(said.append)
    assert said[-1].endswith("counted from the data")
    found = {d.processor.code: d for d in Declaration.objects.all()}
    assert {code: d.outcome for code, d in found.items()} == {
        "fudan-ds": "exempt",
        "xborder-retail": "standard_contract_or_certification",
        "xborder-clinic": "security_assessment",
        "xborder-grid": "prohibited",
    }
    retail, clinic = found["xborder-retail"], found["xborder-clinic"]
    assert (retail.own_non_sensitive, retail.own_sensitive) == (150_000, 0)
    assert retail.identifiers == {"xborder-members": "member_phone"}
    assert (clinic.own_non_sensitive, clinic.own_sensitive) == (0, 12_000)
    assert clinic.identifiers == {"xborder-patients": "patient_id"}
    # Each count read its resource through the gate.
    hashes = {query_hash("transfer.count", [d.pk]) for d in found.values()}

    def reads() -> int:
        every = AuditEvent.objects.filter(action="data.read")
        return sum(e.details.get("query_hash") in hashes for e in every)

    assert reads() == 4
    again = transfer.load(said.append)
    assert again["declarations"] == first["declarations"] and reads() == 4
