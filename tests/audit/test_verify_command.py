"""`gongshu audit verify` on an intact log: says so, and prints the head to keep."""

from __future__ import annotations

from io import StringIO

from django.core.management import call_command

from gongshu.audit import keys, services


def test_it_reports_an_intact_log_and_its_head(db):
    for n in range(12):
        last = services.record(None, "test.event", details={"n": n})
    out = StringIO()
    call_command("audit", "verify", "--chunk-size", "5", stdout=out)
    assert "12" in out.getvalue()
    assert last.hash in out.getvalue()


def test_it_reports_progress_in_chunks(db):
    for n in range(25):
        services.record(None, "test.event", details={"n": n})
    seen: list[int] = []
    report = services.chain.verify(
        services.chain.iterate_table(chunk_size=7),
        on_progress=seen.append,
        every=10,
        key=keys.require().entry,
    )
    assert report.ok and report.checked == 25 and seen == [10, 10, 5]


def test_it_accepts_an_empty_log(db):
    report = services.verify()
    assert report.ok and report.checked == 0 and report.head_seq is None
