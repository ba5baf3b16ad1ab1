"""The outbox and the batch chainer: a deferred entry is one INSERT in the caller's
transaction, chained after commit in batches with a Merkle root per batch; verify shows
the not-yet-chained as pending, and still finds an entry edited, deleted or reordered
inside a batch; a proof of inclusion checks one entry against its batch's root."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from gongshu.audit import chainer, guards, merkle, services
from gongshu.audit.chain import Problem
from gongshu.audit.models import AuditBatch, AuditEvent, PendingEntry


def _defer(n: int) -> None:
    for i in range(n):
        services.defer(None, "test.deferred", resource=f"dataset:d{i}", details={"n": i})


def test_a_deferred_entry_is_one_insert_and_pending_until_chained(db):
    services.record(None, "test.direct")
    with CaptureQueriesContext(connection) as queries:
        services.defer(None, "test.deferred", details={"n": 1})
    assert len([q for q in queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]) == 1
    report = services.verify()
    assert report.ok and report.checked == 1 and report.pending == 1
    assert chainer.chain_pending() == 1
    report = services.verify()
    assert report.ok and report.checked == 2 and report.pending == 0
    assert AuditEvent.objects.get(seq=2).details == {"n": 1}


def test_a_rolled_back_deferred_entry_leaves_nothing(db):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.defer(None, "test.lost")
        raise RuntimeError("the change it recorded failed")
    assert not PendingEntry.objects.exists()


def test_it_chains_after_commit(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _defer(3)
    assert list(AuditEvent.objects.values_list("seq", "action")) == [
        (1, "test.deferred"),
        (2, "test.deferred"),
        (3, "test.deferred"),
    ]
    assert not PendingEntry.objects.exists()


def test_batches_get_merkle_roots_and_chain_like_direct_appends(db):
    _defer(7)
    assert chainer.chain_pending(limit=3) == 7
    assert [(b.first_seq, b.last_seq) for b in AuditBatch.objects.all()] == [
        (1, 3),
        (4, 6),
        (7, 7),
    ]
    hashes = list(AuditEvent.objects.values_list("hash", flat=True))
    assert AuditBatch.objects.get(first_seq=4).root == merkle.root(hashes[3:6])
    services.record(None, "test.direct")  # a direct append links to the batch's last
    assert AuditEvent.objects.get(seq=8).prev_hash == hashes[-1]
    assert services.verify().ok


def test_a_proof_of_inclusion_checks_against_the_batch_root(db):
    _defer(5)
    chainer.chain_pending()
    found = services.proof(4)
    assert found["index"] == 3 and found["batch"]["root"] == AuditBatch.objects.get().root
    assert merkle.verify(found["hash"], 3, 5, found["path"], found["batch"]["root"])
    other = AuditEvent.objects.get(seq=2).hash
    assert not merkle.verify(other, 3, 5, found["path"], found["batch"]["root"])
    with pytest.raises(services.NotChained):
        services.proof(99)


@pytest.fixture
def chained_attacker(db):
    _defer(10)
    chainer.chain_pending(limit=4)
    guards.remove(connection)
    with connection.cursor() as cursor:
        yield cursor


def test_it_finds_an_edited_entry_in_a_batch(chained_attacker):
    chained_attacker.execute("UPDATE audit_auditevent SET resource = 'dataset:x' WHERE seq = 6")
    report = services.verify()
    assert (report.bad_seq, report.problem) == (6, Problem.CHANGED)


def test_it_finds_a_deleted_entry_in_a_batch(chained_attacker):
    chained_attacker.execute("DELETE FROM audit_auditevent WHERE seq = 6")
    assert (services.verify().bad_seq, services.verify().problem) == (7, Problem.REMOVED)


def test_it_finds_entries_of_a_batch_reordered(chained_attacker):
    # Swap the seqs of entries 5 and 6 through a free number.
    chained_attacker.execute("UPDATE audit_auditevent SET seq = -5 WHERE seq = 5")
    chained_attacker.execute("UPDATE audit_auditevent SET seq = 5 WHERE seq = 6")
    chained_attacker.execute("UPDATE audit_auditevent SET seq = 6 WHERE seq = -5")
    report = services.verify()
    assert (report.bad_seq, report.problem) == (5, Problem.UNLINKED)


def test_it_finds_a_changed_batch_root(chained_attacker):
    chained_attacker.execute(
        "UPDATE audit_auditbatch SET root = %s WHERE first_seq = 5",
        [hashlib.sha256(b"forged").hexdigest()],
    )
    report = services.verify()
    assert (report.bad_seq, report.problem) == (5, Problem.BATCH)


def test_the_commands_chain_show_pending_and_print_a_proof(db):
    _defer(2)
    out = StringIO()
    call_command("audit", "verify", "--no-progress", stdout=out)
    assert "2 entries are pending" in out.getvalue()
    call_command("audit", "chain", stdout=out)
    assert "Chained 2" in out.getvalue()
    proof = StringIO()
    call_command("audit", "proof", "2", stdout=proof)
    assert '"index": 1' in proof.getvalue()


def test_auditors_get_a_proof_over_the_api(login, auditor, department_clerk, db):
    _defer(3)
    chainer.chain_pending()
    answer = login(auditor).get("/api/v1/audit/entries/3/proof")
    assert answer.status_code == 200
    body = answer.json()
    assert merkle.verify(body["hash"], body["index"], 3, body["path"], body["batch"]["root"])
    assert login(auditor).get("/api/v1/audit/entries/999/proof").status_code == 404
    assert login(department_clerk).get("/api/v1/audit/entries/3/proof").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_concurrent_deferred_writers_and_kicks_keep_one_chain():
    def write(worker: int) -> None:
        try:
            for n in range(10):
                with transaction.atomic():
                    services.defer(None, "test.concurrent", details={"w": worker, "n": n})
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(write, range(4)))
    chainer.chain_pending()
    report = services.verify()
    assert report.ok and report.head_seq == 40 and report.pending == 0
