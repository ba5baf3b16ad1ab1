"""Appending: each entry hashes its canonical JSON with the audit key and links to the one
before; an entry commits or rolls back with the change it records."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from django.db import transaction

from gongshu.audit import chain, keys, services
from gongshu.audit.models import AuditEvent
from gongshu.orgs.principal import Principal


def test_it_chains_entries_from_genesis(db):
    first = services.record(None, "test.one", resource="dataset:a", details={"rows": 3})
    second = services.record(None, "test.two", details={"字段": "交通", "ratio": 0.5})
    assert (first.seq, first.prev_hash) == (1, chain.GENESIS)
    assert (second.seq, second.prev_hash) == (2, first.hash)
    assert services.verify().ok


def test_it_hashes_the_canonical_json_of_every_other_field_with_the_audit_key(db):
    event = services.record(None, "test.one", resource="dataset:a", details={"b": 1, "a": "交"})
    document = {
        "seq": 1,
        "at": event.at.astimezone(chain.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "actor_id": None,
        "actor_username": "",
        "organization": "",
        "action": "test.one",
        "resource": "dataset:a",
        "details": {"a": "交", "b": 1},
        "prev_hash": chain.GENESIS,
    }
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    master = bytes.fromhex(keys.key_file().read_text().strip())
    entry_key = hmac.digest(master, b"gongshu audit entry v1", hashlib.sha256)
    assert event.scheme == chain.KEYED == "hmac-sha256"
    assert event.hash == hmac.new(entry_key, text.encode("utf-8"), hashlib.sha256).hexdigest()
    # Not the plain SHA-256 that someone without the key could recompute.
    assert event.hash != hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_it_rolls_back_with_the_callers_transaction(db):
    services.record(None, "test.kept")
    with pytest.raises(RuntimeError), transaction.atomic():
        services.record(None, "test.lost")
        raise RuntimeError("the change it recorded failed")
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["test.kept"]
    assert services.record(None, "test.next").seq == 2


def test_it_names_the_actor_channel_and_token(make_token, department_clerk):
    make_token(department_clerk)
    from gongshu.orgs.models import ApiToken

    principal = Principal.for_token(ApiToken.objects.get())
    event = services.record(principal, "test.read", organization="sh-transport")
    assert (event.actor_id, event.actor_username) == (department_clerk.pk, "clerk-zhang")
    assert event.details == {"via": "token", "token_id": principal.token_id}


def test_it_records_an_access_decision_with_a_query_hash(db):
    event = services.record_access(
        None,
        resource="dataset:flights",
        allowed=False,
        reason="no agreement",
        version="v3",
        channel="opening",
        purpose="research",
        rows=0,
        bytes_returned=0,
        query="SELECT * FROM t WHERE a = ?",
        query_params=[1],
    )
    assert event.details["allowed"] is False
    assert event.details["query_hash"] == services.query_hash("SELECT * FROM t WHERE a = ?", [1])
    assert {"version", "channel", "purpose", "rows", "bytes"} <= event.details.keys()


def test_it_stores_details_as_they_read_back(db):
    services.record(None, "test.numbers", details={"whole": 1e20, "one": 1.0, "part": 0.1})
    assert AuditEvent.objects.get().details == {"whole": 10**20, "one": 1, "part": 0.1}
    assert services.verify().ok
    with pytest.raises(ValueError):
        services.record(None, "test.nan", details={"x": float("nan")})


@pytest.mark.parametrize("length", [1, 32, 64, 65, 200])
def test_verifys_hmac_gives_the_digests_of_the_standard_library(length):
    key, data = bytes(range(length % 256)) * (length // 256 + 1), "交通".encode() * 50
    key = key[:length]
    assert chain.hmac_sha256(key)(data) == hmac.digest(key, data, "sha256").hex()
