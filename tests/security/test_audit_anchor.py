"""Attacks on the audit log by someone who can write the database (triggers dropped, as in
tests/audit/test_tamper.py) but cannot read the audit key file: cutting off the newest
entries, and rewriting an entry with every later hash recomputed as they can (plain
SHA-256); and by someone who can append to the checkpoint file but not sign. Each is
found by `gongshu audit verify`, which exits non-zero naming the first bad entry, and no
message, log line or database row carries the key.

On the code before the audit key, every one of these passed verify: the chain was plain
SHA-256 a database writer could recompute, and nothing outside the database recorded
the head.
"""

from __future__ import annotations

import json
import logging
import stat
from datetime import UTC, datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from gongshu.audit import chain, checkpoints, guards, keys, services
from gongshu.audit.chain import Problem
from gongshu.audit.models import AuditEvent
from tests.audit import test_tamper as tamper

attacker = tamper.attacker  # ten good entries, and a cursor with the triggers out of the way


@pytest.fixture(autouse=True)
def _audit_files(settings, tmp_path):
    settings.AUDIT_KEY_FILE = tmp_path / "var" / "audit_key"
    settings.AUDIT_CHECKPOINT_FILE = tmp_path / "var" / "audit" / "checkpoints.jsonl"
    settings.AUDIT_CHECKPOINT_EVERY = 1000


def _key_material() -> list[str]:
    """Every form of the key someone might find: the file's hex, and both derived keys."""
    master = keys.key_file().read_text().strip()
    derived = keys.require()
    return [master, derived.entry.hex(), derived.checkpoint.hex()]


def _verify_fails(match: str) -> str:
    with pytest.raises(CommandError, match=match) as failure:
        call_command("audit", "verify", "--no-progress")
    message = str(failure.value)
    for secret in _key_material():
        assert secret not in message
    return message


def _database_text() -> str:
    if connection.vendor == "sqlite":
        return "\n".join(connection.connection.iterdump())
    return json.dumps(list(AuditEvent.objects.values()), default=str)


def _rechain_plain(cursor, from_seq: int, **edit) -> None:
    """What an attacker without the key can do: change entry ``from_seq`` and recompute
    every later hash and link with plain SHA-256, marking them as pre-key entries."""
    rows = list(AuditEvent.objects.filter(seq__gte=from_seq).values(*chain.FIELDS))
    before = AuditEvent.objects.filter(seq=from_seq - 1).values_list("hash", flat=True).first()
    prev = before or chain.GENESIS
    for number, row in enumerate(rows):
        values = {k: v for k, v in row.items() if k != "hash"}
        if number == 0:
            values.update(edit)
        values["prev_hash"] = prev
        prev = chain.entry_hash(**values)  # no key: the attacker does not have it
        cursor.execute(
            "UPDATE audit_auditevent SET resource = %s, prev_hash = %s, hash = %s, "
            "scheme = NULL WHERE seq = %s",
            [values["resource"], values["prev_hash"], prev, values["seq"]],
        )


def test_cutting_off_the_newest_entries_is_found(attacker):
    # attacker's chain has 10 entries; the platform checkpointed the head (entry 10).
    services.checkpoint()
    attacker.execute("DELETE FROM audit_auditevent WHERE seq > 7")
    report = services.verify()
    assert (report.problem, report.bad_seq, report.checked) == (Problem.TRUNCATED, 8, 7)
    assert "8–10" in report.message
    _verify_fails("broken at entry 8")


def test_cutting_off_every_entry_is_found(attacker):
    services.checkpoint()
    attacker.execute("DELETE FROM audit_auditevent")
    report = services.verify()
    assert (report.problem, report.bad_seq) == (Problem.TRUNCATED, 1)


def test_an_edit_with_every_later_hash_recomputed_is_found(attacker):
    services.checkpoint()
    _rechain_plain(attacker, 4, resource="dataset:innocent")
    report = services.verify()
    # Plain hashes after keyed entries 1–3: written by someone without the key.
    assert (report.problem, report.bad_seq, report.checked) == (Problem.UNKEYED, 4, 3)
    _verify_fails("broken at entry 4")


def test_a_rewrite_of_the_whole_chain_is_found_by_the_checkpoint(attacker):
    # Every entry recomputed from the first: the chain alone looks like an intact log from
    # before the audit key, but the checkpoint signed the keyed head.
    services.checkpoint()
    _rechain_plain(attacker, 1, resource="dataset:innocent")
    report = services.verify()
    assert (report.problem, report.bad_seq) == (Problem.REWRITTEN, 10)
    assert "1–10" in report.message
    _verify_fails("broken at entry 10")


def test_a_keyed_entry_changed_in_place_is_found(attacker):
    attacker.execute("UPDATE audit_auditevent SET resource = 'dataset:x' WHERE seq = 6")
    assert (services.verify().problem, services.verify().bad_seq) == (Problem.CHANGED, 6)


def test_a_rewrite_of_pre_key_entries_is_found_after_the_upgrade(
    db, django_capture_on_commit_callbacks
):
    """A database from before the audit key: its entries keep their plain hashes and still
    verify; the first keyed entry after them is checkpointed at once, so rewriting the old
    entries (and recomputing all after them) is found."""
    guards.remove(connection)
    with connection.cursor() as cursor:
        prev = chain.GENESIS
        for seq in range(1, 6):
            values = {
                "seq": seq,
                "at": datetime(2024, 1, 1, 0, 0, seq, tzinfo=UTC),
                "actor_id": None,
                "actor_username": "",
                "organization": "",
                "action": "test.old",
                "resource": f"dataset:d{seq}",
                "details": {},
                "prev_hash": prev,
            }
            prev = chain.entry_hash(**values)  # the old scheme
            tamper._insert(cursor, **{**values, "details": "{}", "hash": prev})
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            services.record(None, "test.new", details={"n": n})
    intact = services.verify()
    assert intact.ok and (intact.legacy, intact.checked, intact.anchored_seq) == (5, 8, 6)
    assert [c.seq for c in checkpoints.read(keys.require())] == [6]

    with connection.cursor() as cursor:
        _rechain_plain(cursor, 2, resource="dataset:innocent")
    report = services.verify()
    assert (report.problem, report.bad_seq) == (Problem.REWRITTEN, 6)
    assert "1–6" in report.message


def test_a_checkpoint_line_with_a_bad_signature_is_found(attacker):
    # Someone who can append to the file, not read the key: a "checkpoint" for a head
    # they would like, with a signature they made up.
    services.checkpoint()
    with checkpoints.path().open("a", encoding="utf-8") as handle:
        head = tamper._row(10)
        forged = {"v": 1, "seq": 10, "hash": head["hash"][::-1], "at": "2030-01-01T00:00:00Z"}
        handle.write(json.dumps({**forged, "sig": "0" * 64}) + "\n")
    report = services.verify()
    assert (report.problem, report.bad_seq, report.checked) == (Problem.FORGED, 10, 0)
    assert "line 2" in report.message
    _verify_fails("entry 10")


def test_a_checkpoint_line_altered_after_signing_is_found(attacker):
    services.checkpoint()
    line = json.loads(checkpoints.path().read_text())
    line["seq"] = 9  # moved back, so a truncation to entry 9 would pass
    checkpoints.path().write_text(json.dumps(line) + "\n")
    assert services.verify().problem == Problem.FORGED


def test_a_line_that_is_not_a_checkpoint_is_found(attacker):
    services.checkpoint()
    with checkpoints.path().open("a", encoding="utf-8") as handle:
        handle.write("{not json\n")
    report = services.verify()
    assert report.problem == Problem.FORGED and "Line 2" in report.message


def test_the_key_file_is_private_and_never_logged_or_stored(
    db, caplog, django_capture_on_commit_callbacks, settings
):
    settings.AUDIT_CHECKPOINT_EVERY = 2
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.db.backends")
    connection.force_debug_cursor = True  # even with every SQL statement and its values logged
    try:
        with django_capture_on_commit_callbacks(execute=True):
            for n in range(5):
                services.record(None, "test.event", details={"n": n})
        out = StringIO()
        call_command("audit", "checkpoint", stdout=out)
        call_command("audit", "verify", "--no-progress", stdout=out)
    finally:
        connection.force_debug_cursor = False

    path = keys.key_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(bytes.fromhex(path.read_text().strip())) == keys.KEY_BYTES
    assert "INSERT" in caplog.text  # the SQL really was logged
    stored = _database_text()
    kept = checkpoints.path().read_text()
    assert len(kept.splitlines()) == 3  # entries 2 and 4, then the command's at 5
    for secret in _key_material():
        assert secret not in caplog.text
        assert secret not in out.getvalue()
        assert secret not in stored
        assert secret not in kept
        assert secret not in repr(keys.require())

    # Made once: a new process reads the same key, it does not make another.
    before = path.read_text()
    keys.forget()
    services.record(None, "test.event")
    assert path.read_text() == before and services.verify().ok


def test_a_lost_key_file_stops_appends_instead_of_starting_a_new_key(db):
    services.record(None, "test.event")
    keys.key_file().unlink()
    keys.forget()
    # An append that fails fails its caller's transaction (no savepoint of its own); a
    # caller that goes on after it needs its own atomic block, as here.
    with pytest.raises(keys.KeyMissing, match="GONGSHU_AUDIT_KEY_FILE"), transaction.atomic():
        services.record(None, "test.event")
    assert not keys.key_file().exists()
    report = services.verify()
    assert (report.problem, report.bad_seq) == (Problem.NO_KEY, 1)
