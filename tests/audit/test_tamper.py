"""Tampering: someone with database access drops the triggers and changes, deletes or
inserts rows; verify finds the first bad entry and says what is wrong with it.

``attacker`` is the cursor with the triggers out of the way; ``forged(...)`` makes an
entry as someone without the audit key can (plain SHA-256), or, with ``key=``, as
someone who stole it, to show what the links alone find.
"""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import translation

from gongshu.audit import chain, guards, keys, services
from gongshu.audit.chain import Problem
from gongshu.audit.models import AuditEvent


@pytest.fixture
def attacker(db):
    """Ten good entries, and a cursor with the triggers out of the way. The test's
    transaction rolls the DROP back, so the triggers are there again afterwards."""
    for n in range(10):
        services.record(None, "test.event", resource=f"dataset:d{n}", details={"n": n})
    guards.remove(connection)
    with connection.cursor() as cursor:
        yield cursor


def _row(seq: int) -> dict:
    return AuditEvent.objects.values(*chain.FIELDS).get(seq=seq)


def _insert(cursor, **values) -> None:
    columns = ", ".join(values)
    marks = ", ".join(["%s"] * len(values))
    cursor.execute(
        f"INSERT INTO audit_auditevent ({columns}) VALUES ({marks})", list(values.values())
    )


def _forged(cursor, seq: int, prev_hash: str, at, *, stolen_key: bool = False) -> dict:
    values = {
        "seq": seq,
        "at": at,
        "actor_id": None,
        "actor_username": "mallory",
        "organization": "",
        "action": "test.forged",
        "resource": "dataset:secret",
        "details": {},
        "prev_hash": prev_hash,
    }
    if not stolen_key:
        return {**values, "details": "{}", "hash": chain.entry_hash(**values)}
    key = keys.require().entry
    return {
        **values,
        "details": "{}",
        "scheme": chain.KEYED,
        "hash": chain.entry_hash(**values, key=key),
    }


def _renumber_from(cursor, seq: int, delta: int) -> None:
    # Through negative numbers, so the unique seq never collides halfway.
    cursor.execute("UPDATE audit_auditevent SET seq = -(seq + %s) WHERE seq >= %s", [delta, seq])
    cursor.execute("UPDATE audit_auditevent SET seq = -seq WHERE seq < 0")


def test_it_finds_a_changed_entry(attacker):
    attacker.execute("UPDATE audit_auditevent SET resource = 'dataset:other' WHERE seq = 4")
    report = services.verify()
    assert (report.bad_seq, report.problem, report.checked) == (4, Problem.CHANGED, 3)


def test_it_finds_a_deleted_entry(attacker):
    attacker.execute("DELETE FROM audit_auditevent WHERE seq = 6")
    report = services.verify()
    assert (report.bad_seq, report.problem) == (7, Problem.REMOVED)
    assert "6" in report.message


def test_it_finds_a_deleted_first_entry(attacker):
    attacker.execute("DELETE FROM audit_auditevent WHERE seq = 1")
    assert (services.verify().bad_seq, services.verify().problem) == (2, Problem.REMOVED)


def test_it_finds_a_deletion_hidden_by_renumbering(attacker):
    attacker.execute("DELETE FROM audit_auditevent WHERE seq = 6")
    _renumber_from(attacker, 7, -1)
    report = services.verify()
    assert (report.bad_seq, report.problem) == (6, Problem.UNLINKED)


def test_it_finds_an_entry_appended_with_a_wrong_link(attacker):
    last = _row(10)
    _insert(attacker, **_forged(attacker, 11, "f" * 64, last["at"]))
    report = services.verify()
    assert (report.bad_seq, report.problem, report.checked) == (11, Problem.UNLINKED, 10)


def test_it_finds_an_entry_inserted_in_between(attacker):
    # A careful forger (one who even holds the audit key) links the new entry to entry 4
    # and hashes it correctly; the entry that now follows it still links to entry 4, and
    # that is where the chain breaks.
    before = _row(4)
    _renumber_from(attacker, 5, 1)
    _insert(attacker, **_forged(attacker, 5, before["hash"], before["at"], stolen_key=True))
    report = services.verify()
    assert (report.bad_seq, report.problem) == (6, Problem.UNLINKED)


def test_it_finds_an_entry_inserted_without_the_key_at_its_own_seq(attacker):
    # Without the key, the forger can only give it a plain SHA-256 hash, after keyed ones.
    before = _row(4)
    _renumber_from(attacker, 5, 1)
    _insert(attacker, **_forged(attacker, 5, before["hash"], before["at"]))
    report = services.verify()
    assert (report.bad_seq, report.problem, report.checked) == (5, Problem.UNKEYED, 4)


def test_it_finds_a_clumsily_inserted_entry_at_its_own_seq(attacker):
    before = _row(4)
    _renumber_from(attacker, 5, 1)
    forged = _forged(attacker, 5, before["hash"], before["at"], stolen_key=True)
    _insert(attacker, **{**forged, "hash": "0" * 63 + "1"})
    report = services.verify()
    assert (report.bad_seq, report.problem) == (5, Problem.CHANGED)


def test_the_command_exits_non_zero_and_names_the_entry(attacker):
    attacker.execute("UPDATE audit_auditevent SET details = '{\"n\": 99}' WHERE seq = 8")
    with translation.override("en"), pytest.raises(CommandError, match="entry 8"):
        call_command("audit", "verify", "--no-progress")
