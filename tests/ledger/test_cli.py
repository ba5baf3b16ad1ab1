"""`gongshu ledger close|export|propose|amortise`."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command

from tests.ledger.world import card, cost


def test_it_closes_a_year_and_refuses_to_close_it_twice(books, enterprise, accountant, capsys):
    found = card(books, enterprise)
    cost(books, found, "1200.00")
    call_command("ledger", "close", "acme-data", "2026", "--as", accountant.username)
    assert "12 amortisation entries" in capsys.readouterr().out
    with pytest.raises(CommandError, match="already closed"):
        call_command("ledger", "close", "acme-data", "2026", "--as", accountant.username)
    with pytest.raises(CommandError, match="period"):
        call_command("ledger", "close", "acme-data", "26", "--as", accountant.username)


def test_a_reader_cannot_close(enterprise, clerk):
    with pytest.raises(CommandError, match="does not keep the books"):
        call_command("ledger", "close", "acme-data", "2026", "--as", clerk.username)


def test_it_exports_the_tables(books, enterprise, tmp_path):
    found = card(books, enterprise)
    cost(books, found, "1200.00", day=dt.date(2026, 2, 1))
    out = tmp_path / "t.json"
    call_command("ledger", "export", "acme-data", "2026", "--format", "json", "--output", str(out))
    answer = json.loads(out.read_text(encoding="utf-8"))
    assert all(check["holds"] for check in answer["checks"])
    for fmt in ("xlsx", "docx", "csv", "beancount"):
        path = tmp_path / f"t.{fmt}"
        call_command(
            "ledger", "export", "acme-data", "2026", "--format", fmt, "--output", str(path)
        )
        assert path.stat().st_size > 100
