"""Benchmark: the ledger at scale. ``--cards`` cards (default 100,000) with ``--lines``
journal lines (default 2,000,000) in one organization's books; then the year's
disclosure tables (target: at most 3 s on PostgreSQL) and the close of a month (target:
at most 30 s), which posts the month's amortisation for every intangible in use, checks
that the journal balances and keeps the closing balances.

The books are written in bulk straight into the tables (INSERT … SELECT over
generate_series on PostgreSQL; bulk_create on SQLite), as the services would have left
them: 60% of the cards are intangibles (purchased, self-developed, otherwise acquired),
40% inventories; each card has one cost entry, and the rest of its lines are monthly
amortisation (intangibles) or write-downs and reversals (inventories) from 2025 on.

    GONGSHU_DATABASE_URL=postgresql://root@127.0.0.1:5432/ledger_bench \\
        .venv/bin/python benchmarks/ledger.py [--cards 100000] [--lines 2000000] [--rounds 3]

Without GONGSHU_DATABASE_URL it runs on a fresh SQLite file in a temporary directory.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _setup() -> None:
    work = Path(tempfile.mkdtemp(prefix="bench-ledger-"))
    os.environ["GONGSHU_VAR_DIR"] = str(work)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongshu.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


PG_CARDS = """
INSERT INTO ledger_card (organization_id, code, title, product, registration_code,
  version_from, version_to, dataset_id, classification, classification_reason, source,
  status, criteria_met_on, available_on, useful_life_months, method, expected_units,
  residual_value, note, created_at)
SELECT %(org)s, 'B-' || i, 'card ' || i, '', '', NULL, NULL, NULL,
  CASE WHEN i %% 10 < 6 THEN 'intangible' ELSE 'inventory' END, 'benchmark',
  (ARRAY['purchased', 'self_made', 'other'])[1 + i %% 3], 'in_use', NULL,
  CASE WHEN i %% 10 < 6 THEN DATE '2025-01-01' END,
  CASE WHEN i %% 10 < 6 THEN 60 END,
  CASE WHEN i %% 10 < 6 THEN 'straight_line' ELSE '' END, NULL, 0, '', now()
FROM generate_series(1, %(cards)s) AS i
"""

# Entry k of card c (k = 0 … per-1): k = 0 is the cost (2025-01-01), the rest monthly
# movements on month ends up to 2026-10-31, so that closing 2026-11 has one month due.
PG_ENTRIES = """
INSERT INTO ledger_entry (organization_id, number, date, card_id, kind, memo, rule, created_at)
SELECT %(org)s, row_number() OVER (ORDER BY c.id, k),
  CASE WHEN k = 0 THEN DATE '2025-01-01' ELSE
    (DATE '2026-11-01' - (%(per)s - 1 - k) * INTERVAL '1 month' - INTERVAL '1 day')::date END,
  c.id, CASE WHEN k = 0 THEN 'cost' WHEN c.classification = 'intangible' THEN
  'amortisation' ELSE 'write_down' END, 'bench', '', now()
FROM ledger_card c CROSS JOIN generate_series(0, %(per)s - 1) AS k
WHERE c.organization_id = %(org)s
"""

PG_LINES = """
INSERT INTO ledger_line (entry_id, organization_id, date, account_id, card_id, source,
  movement, debit, credit)
SELECT e.id, e.organization_id, e.date, a.id, c.id, c.source,
  CASE
    WHEN side = 0 AND e.kind = 'cost' THEN 'purchase'
    WHEN side = 1 AND e.kind = 'amortisation' THEN 'amortisation'
    WHEN side = 1 AND e.kind = 'write_down' AND e.number %% 2 = 0 THEN 'write_down'
    WHEN side = 0 AND e.kind = 'write_down' AND e.number %% 2 = 1 THEN 'reversal'
    ELSE 'settlement' END,
  CASE WHEN side = 0 THEN amount ELSE 0 END,
  CASE WHEN side = 1 THEN amount ELSE 0 END
FROM ledger_entry e JOIN ledger_card c ON c.id = e.card_id
CROSS JOIN LATERAL (VALUES (0), (1)) AS s(side)
CROSS JOIN LATERAL (SELECT
  CASE WHEN e.kind = 'cost' THEN 6000.00 ELSE 10.00 END AS amount,
  CASE
    WHEN e.kind = 'cost' AND side = 0 AND c.classification = 'intangible' THEN '1701.01'
    WHEN e.kind = 'cost' AND side = 0 THEN '1405.01'
    WHEN e.kind = 'cost' THEN '2202'
    WHEN e.kind = 'amortisation' AND side = 0 THEN '6602.02'
    WHEN e.kind = 'amortisation' THEN '1702.01'
    WHEN e.number %% 2 = 0 AND side = 0 THEN '6701'
    WHEN e.number %% 2 = 0 THEN '1471.01'
    WHEN side = 0 THEN '1471.01'
    ELSE '6701' END AS code) AS pick
JOIN ledger_account a ON a.code = pick.code
WHERE e.organization_id = %(org)s
"""


def _fill_postgres(org_id: int, cards: int, per: int) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(PG_CARDS, {"org": org_id, "cards": cards})
        cursor.execute(PG_ENTRIES, {"org": org_id, "per": per})
        cursor.execute(PG_LINES, {"org": org_id})
        cursor.execute("ANALYZE ledger_line")
        cursor.execute("ANALYZE ledger_entry")
        cursor.execute("ANALYZE ledger_card")


def _month_end(back: int):
    import datetime as dt

    year, month = 2026, 10 - back
    while month < 1:
        year, month = year - 1, month + 12
    first_next = dt.date(year + (month == 12), month % 12 + 1, 1)
    return first_next - dt.timedelta(days=1)


def _fill_sqlite(organization, cards: int, per: int) -> None:
    import datetime as dt
    from decimal import Decimal

    from gongshu.ledger.models import Card, Entry, Line
    from gongshu.ledger.services import rulebook

    chart = rulebook.accounts()
    made = Card.objects.bulk_create(
        (
            Card(
                organization=organization, code=f"B-{i}", title=f"card {i}",
                classification="intangible" if i % 10 < 6 else "inventory",
                classification_reason="benchmark", source=("purchased", "self_made", "other")[i % 3],
                status="in_use", available_on=dt.date(2025, 1, 1) if i % 10 < 6 else None,
                useful_life_months=60 if i % 10 < 6 else None,
                method="straight_line" if i % 10 < 6 else "",
            )
            for i in range(1, cards + 1)
        ),
        batch_size=5000,
    )  # fmt: skip
    number = 0
    for card in made:
        entries, legs = [], []
        for k in range(per):
            number += 1
            day = dt.date(2025, 1, 1) if k == 0 else _month_end(per - 1 - k)
            if k == 0:
                code = "1701.01" if card.classification == "intangible" else "1405.01"
                pair = ((code, "purchase"), ("2202", "settlement"), Decimal("6000.00"))
            elif card.classification == "intangible":
                pair = (("6602.02", "settlement"), ("1702.01", "amortisation"), Decimal("10.00"))
            elif number % 2 == 0:
                pair = (("6701", "settlement"), ("1471.01", "write_down"), Decimal("10.00"))
            else:
                pair = (("1471.01", "reversal"), ("6701", "settlement"), Decimal("10.00"))
            entries.append(
                Entry(
                    organization=organization,
                    number=number,
                    date=day,
                    card=card,
                    kind="bench",
                    memo="bench",
                )
            )
            legs.append((day, pair))
        Entry.objects.bulk_create(entries)
        lines = []
        for entry, (day, (debit, credit, value)) in zip(entries, legs, strict=True):
            common = {
                "entry": entry,
                "organization": organization,
                "date": day,
                "card": card,
                "source": card.source,
            }
            lines.append(Line(account=chart[debit[0]], movement=debit[1], debit=value, **common))
            lines.append(Line(account=chart[credit[0]], movement=credit[1], credit=value, **common))
        Line.objects.bulk_create(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=100_000)
    parser.add_argument("--lines", type=int, default=2_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    _setup()
    from django.db import connection

    from gongshu.ledger.models import Line
    from gongshu.ledger.services import disclosure, periods
    from gongshu.orgs.principal import Principal
    from tests.personas import make_member, make_organization

    code = f"bench-{int(time.time())}"
    organization = make_organization(code, "enterprise")
    keeper = Principal.for_user(make_member(f"{code}-keeper", organization, "editor"))
    per = max(2, args.lines // (2 * args.cards))
    started = time.perf_counter()
    if connection.vendor == "postgresql":
        _fill_postgres(organization.pk, args.cards, per)
    else:
        _fill_sqlite(organization, args.cards, per)
    lines = Line.objects.filter(organization=organization).count()
    print(
        f"{connection.vendor}: {args.cards:,} cards, {lines:,} lines written in {time.perf_counter() - started:.1f} s"
    )

    timings = []
    for _round in range(args.rounds):
        started = time.perf_counter()
        answer = disclosure.tables(organization, periods.parse("2026"))
        timings.append(time.perf_counter() - started)
    held = sum(1 for c in answer["checks"] if c["holds"])
    print(
        f"disclosure tables 2026: median {statistics.median(timings):.2f} s, best {min(timings):.2f} s (target 3 s); tie-outs {held}/{len(answer['checks'])}"
    )

    started = time.perf_counter()
    closed = periods.close(keeper, organization, "2026-11")
    elapsed = time.perf_counter() - started
    print(
        f"close 2026-11: {elapsed:.1f} s (target 30 s), {closed.amortisation_entries:,} amortisation entries posted"
    )
    after = Line.objects.filter(organization=organization).count()
    print(f"lines after the close: {after:,}")


if __name__ == "__main__":
    main()
