"""Signed checkpoints of the head go to a file outside the database: every
AUDIT_CHECKPOINT_EVERY entries once they commit, and on `gongshu audit checkpoint`
(which may also POST them to GONGSHU_AUDIT_ANCHOR_URL)."""

from __future__ import annotations

import json
import logging
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from gongshu.audit import checkpoints, guards, keys, services
from gongshu.audit.models import AuditEvent
from gongshu.interop import http


def _lines() -> list[dict]:
    return [json.loads(line) for line in checkpoints.path().read_text().splitlines()]


@pytest.mark.django_db(transaction=True)
def test_it_checkpoints_every_n_entries_after_commit(settings):
    settings.AUDIT_CHECKPOINT_EVERY = 3
    for n in range(10):
        services.record(None, "test.event", details={"n": n})
    assert [line["seq"] for line in _lines()] == [3, 6, 9]
    hashes = dict(AuditEvent.objects.values_list("seq", "hash"))
    assert all(line["hash"] == hashes[line["seq"]] for line in _lines())
    assert [c.seq for c in checkpoints.read(keys.require())] == [3, 6, 9]  # all signed
    report = services.verify()
    assert report.ok and (report.checkpoints, report.anchored_seq) == (3, 9)


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_entry_is_not_checkpointed(settings):
    settings.AUDIT_CHECKPOINT_EVERY = 2
    services.record(None, "test.kept")
    with pytest.raises(RuntimeError), transaction.atomic():
        services.record(None, "test.lost")  # entry 2, due, but never committed
        raise RuntimeError("the change it recorded failed")
    assert not checkpoints.path().exists()
    services.record(None, "test.kept")  # entry 2 again, committed this time
    assert [line["seq"] for line in _lines()] == [2]
    assert services.verify().ok


@pytest.mark.django_db(transaction=True)
def test_checkpoints_wait_for_the_callers_transaction(settings):
    settings.AUDIT_CHECKPOINT_EVERY = 1
    with transaction.atomic():
        services.record(None, "test.one")
        services.record(None, "test.two")
        assert not checkpoints.path().exists()
    assert [line["seq"] for line in _lines()] == [1, 2]


def test_a_failed_checkpoint_write_is_logged_not_raised(
    db, settings, tmp_path, caplog, django_capture_on_commit_callbacks
):
    settings.AUDIT_CHECKPOINT_EVERY = 1
    settings.AUDIT_CHECKPOINT_FILE = tmp_path / "a-directory"
    settings.AUDIT_CHECKPOINT_FILE.mkdir()
    with django_capture_on_commit_callbacks(execute=True):
        event = services.record(None, "test.event")
    assert event.seq == 1
    assert "gongshu audit checkpoint" in caplog.text


def test_the_command_checkpoints_the_head(db):
    for n in range(4):
        last = services.record(None, "test.event", details={"n": n})
    out = StringIO()
    call_command("audit", "checkpoint", stdout=out)
    [line] = _lines()
    assert (line["seq"], line["hash"]) == (4, last.hash)
    assert set(line) == {"v", "seq", "hash", "at", "sig"}
    assert "entry 4" in out.getvalue() and last.hash in out.getvalue()
    verified = StringIO()
    call_command("audit", "verify", "--no-progress", stdout=verified)
    assert "1 signed checkpoints match; the newest is at entry 4" in verified.getvalue()


def test_the_command_refuses_an_empty_log(db):
    with pytest.raises(CommandError, match="empty"):
        call_command("audit", "checkpoint")
    assert not checkpoints.path().exists()


def test_the_command_refuses_to_vouch_for_a_changed_head(db):
    for n in range(3):
        services.record(None, "test.event", details={"n": n})
    guards.remove(connection)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET resource = 'dataset:x' WHERE seq = 3")
    with pytest.raises(CommandError, match="entry, 3"):
        call_command("audit", "checkpoint")
    assert not checkpoints.path().exists()


def test_the_command_can_verify_first(db):
    for n in range(3):
        services.record(None, "test.event", details={"n": n})
    guards.remove(connection)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET resource = 'dataset:x' WHERE seq = 2")
    call_command("audit", "checkpoint", stdout=StringIO())  # the head itself is intact
    with pytest.raises(CommandError, match="entry 2"):
        call_command("audit", "checkpoint", "--verify")
    assert len(_lines()) == 1


class _Anchor:
    """A stand-in for the remote store, in the place every outbound request goes."""

    def __init__(self, status: int = 201) -> None:
        self.status, self.posted = status, []

    def post(self, url, json):
        self.posted.append((url, json))
        return type("Answer", (), {"status_code": self.status})()


def test_the_command_posts_the_checkpoint_to_the_anchor_url(db, settings, monkeypatch):
    anchor = _Anchor()
    monkeypatch.setattr(http, "session", lambda: anchor)
    settings.AUDIT_ANCHOR_URL = "https://anchor.example/checkpoints"
    services.record(None, "test.event")
    call_command("audit", "checkpoint", stdout=StringIO())
    assert anchor.posted == [("https://anchor.example/checkpoints", _lines()[0])]


def test_a_refusing_anchor_fails_the_command_but_keeps_the_file(db, settings, monkeypatch):
    monkeypatch.setattr(http, "session", lambda: _Anchor(status=503))
    settings.AUDIT_ANCHOR_URL = "https://anchor.example/checkpoints"
    services.record(None, "test.event")
    with pytest.raises(CommandError, match="HTTP 503"):
        call_command("audit", "checkpoint", stdout=StringIO())
    assert len(_lines()) == 1


def test_verify_warns_while_there_is_no_checkpoint(db):
    services.record(None, "test.event")
    out = StringIO()
    call_command("audit", "verify", "--no-progress", stdout=out)
    assert "no checkpoint" in out.getvalue() and "gongshu audit checkpoint" in out.getvalue()


def test_a_key_file_that_holds_no_key_is_refused_without_echoing_it(db, settings, tmp_path):
    settings.AUDIT_KEY_FILE = tmp_path / "not-a-key"
    settings.AUDIT_KEY_FILE.write_text("hunter2-not-hex\n")
    with pytest.raises(keys.KeyMissing) as refused:
        services.record(None, "test.event")
    assert "restore it" in str(refused.value) and "hunter2" not in str(refused.value)


def test_a_key_file_others_can_read_is_warned_about(db, settings, tmp_path, caplog):
    settings.AUDIT_KEY_FILE = tmp_path / "shared-key"
    settings.AUDIT_KEY_FILE.write_text("ab" * keys.KEY_BYTES + "\n")
    settings.AUDIT_KEY_FILE.chmod(0o644)
    with caplog.at_level(logging.WARNING):
        services.record(None, "test.event")
    assert "chmod 600" in caplog.text and "ab" * keys.KEY_BYTES not in caplog.text
