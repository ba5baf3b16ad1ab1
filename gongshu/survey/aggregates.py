"""Published tables of a campaign: each indicator broken down by region (the GB/T 2260
province prefix of the respondent's region code), sector or respondent category, with
its total, after small-cell and complementary suppression (``suppression.py``).

The accepted numbers (``NumericAnswer``, one row per respondent and question) are
written once to a Parquet snapshot, named by a fingerprint of the rows (their count and
highest id), and DuckDB groups the snapshot: 100,000 respondents × 300 indicators is
30 million rows, which one GROUP BY over Parquet reads in seconds where the ORM, or JSON
answers parsed row by row, would take minutes. A new acceptance changes the fingerprint
and the next request writes a new snapshot.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.conf import settings
from django.db import connection
from django.db.models import Count, Max, Min

from gongshu.engine.duck import Engine
from gongshu.orgs.models import Organization
from gongshu.orgs.regions import PROVINCES
from gongshu.survey import suppression
from gongshu.survey.models import (
    Assignment,
    Campaign,
    Category,
    NumericAnswer,
    Question,
    Submission,
)
from gongshu.survey.validation import language

DIMENSIONS = ("region", "sector", "category")
NO_CATEGORY = "uncategorised"
# Exact either way: the stored numbers have 6 decimal places. DECIMAL(18, 6) is a 64-bit
# integer underneath and DuckDB sums it about twice as fast as DECIMAL(38, 6), which is
# only needed when a number reaches 10^12 (a yuan revenue over a trillion).
NARROW, WIDE = pa.decimal128(18, 6), pa.decimal128(38, 6)
NARROW_LIMIT = Decimal(10) ** 12


def schema(decimal: pa.DataType) -> pa.Schema:
    return pa.schema(
        [
            ("respondent", pa.int64()),
            ("region", pa.string()),
            ("sector", pa.string()),
            ("category", pa.string()),
            ("indicator", pa.int64()),
            ("value", decimal),
        ]
    )


BATCH = 100_000


def snapshot_dir(campaign: Campaign) -> Path:
    return Path(settings.DATA_DIR) / "survey" / f"campaign-{campaign.pk}"


def _rows(campaign: Campaign) -> Iterator[tuple[Any, ...]]:
    """(respondent, region code, sector, category, indicator, value as text), by a cursor:
    the ORM's model-free values_list still converts each Decimal in Python and managed
    about 16,000 rows a second, where this reads hundreds of thousands."""
    tables = {
        "n": NumericAnswer._meta.db_table,
        "s": Submission._meta.db_table,
        "a": Assignment._meta.db_table,
        "o": Organization._meta.db_table,
        "c": Category._meta.db_table,
        "q": Question._meta.db_table,
    }
    # Table names come from the models, never from input; the campaign is a parameter.
    sql = """
        SELECT n.submission_id, o.region, a.sector, c.code, n.question_id,
               CAST(n.value AS TEXT)
        FROM {n} n
        JOIN {q} q ON q.id = n.question_id
        JOIN {s} s ON s.id = n.submission_id
        JOIN {a} a ON a.id = s.assignment_id
        JOIN {o} o ON o.id = a.organization_id
        LEFT JOIN {c} c ON c.id = a.category_id
        WHERE n.campaign_id = %s AND q.indicator
    """.format(**tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [campaign.pk])
        while chunk := cursor.fetchmany(BATCH):
            yield from chunk


def write_snapshot(
    rows: Iterator[tuple[Any, ...]], path: Path, decimal: pa.DataType = WIDE
) -> Path:
    """Rows (respondent, region code, sector, category, indicator, value) to Parquet,
    a batch at a time (constant memory), renamed into place when complete."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    shape = schema(decimal)
    with pq.ParquetWriter(partial, shape, compression="zstd") as writer:
        batch: list[tuple[Any, ...]] = []
        for row in rows:
            batch.append(row)
            if len(batch) == BATCH:
                writer.write_batch(_batch(batch, shape))
                batch = []
        if batch:
            writer.write_batch(_batch(batch, shape))
    partial.replace(path)
    return path


def _batch(rows: list[tuple[Any, ...]], shape: pa.Schema) -> pa.RecordBatch:
    columns = list(zip(*rows, strict=True))
    strings = pa.array([None if v is None else str(v) for v in columns[5]], pa.string())
    values = pc.cast(strings, shape.field("value").type)
    return pa.RecordBatch.from_arrays(
        [
            pa.array(columns[0], pa.int64()),
            pa.array([str(r or "")[:2] for r in columns[1]], pa.string()),
            pa.array([s or "" for s in columns[2]], pa.string()),
            pa.array([c or NO_CATEGORY for c in columns[3]], pa.string()),
            pa.array(columns[4], pa.int64()),
            values,
        ],
        schema=shape,
    )


def snapshot(campaign: Campaign) -> Path:
    facts = NumericAnswer.objects.filter(campaign=campaign).aggregate(
        n=Count("id"), top=Max("id"), high=Max("value"), low=Min("value")
    )
    largest = max(abs(facts["high"] or 0), abs(facts["low"] or 0))
    decimal = NARROW if largest < NARROW_LIMIT else WIDE
    directory = snapshot_dir(campaign)
    path = directory / f"{facts['n']}-{facts['top'] or 0}-{decimal.precision}.parquet"
    if not path.exists():
        for old in directory.glob("*.parquet") if directory.exists() else []:
            old.unlink(missing_ok=True)
        write_snapshot(_rows(campaign), path, decimal)
    return path


def cells(path: Path, by: str) -> dict[int, dict[str, suppression.Cell]]:
    """{indicator: {group: Cell}} and, under the group "", the indicator's total."""
    if by not in DIMENSIONS:
        raise ValueError(by)
    found: dict[int, dict[str, suppression.Cell]] = {}
    # ``by`` is one of three column names, checked above; the path is a bound parameter.
    sql = f"""
        SELECT indicator, {by} AS grp, count(*) AS n, sum(value) AS total,
               max(abs(value)) AS largest
        FROM read_parquet(?) GROUP BY GROUPING SETS ((indicator, {by}), (indicator))
    """  # noqa: S608
    with Engine(read_paths=[path]) as engine:
        for indicator, group, n, total, largest in engine.con.execute(sql, [str(path)]).fetchall():
            found.setdefault(indicator, {})[group if group is not None else ""] = suppression.Cell(
                int(n), Decimal(total), Decimal(largest)
            )
    return found


def _group_label(by: str, group: str, categories: dict[str, Category]) -> str:
    zh = language() == "zh"
    if by == "region":
        names = PROVINCES.get(group)
        return (names[0] if zh else names[1]) if names else group
    if by == "category" and group in categories:
        category = categories[group]
        return category.name_zh if zh else category.name_en
    return group


def _value(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


def table(campaign: Campaign, by: str, rule: suppression.Rule | None = None) -> dict[str, Any]:
    rule = rule or suppression.Rule()
    grouped = cells(snapshot(campaign), by)
    questions = Question.objects.filter(version=campaign.form_version, indicator=True)
    categories = {c.code: c for c in Category.objects.all()}
    zh = language() == "zh"
    indicators = []
    for question in questions:
        per = dict(grouped.get(question.pk, {}))
        total = per.pop("", suppression.Cell(0, Decimal(0), Decimal(0)))
        outcome = suppression.suppress(per, total, rule)
        indicators.append(
            {
                "question": question.name,
                "label": (question.label_zh if zh else question.label_en) or question.name,
                "unit": question.unit,
                "total": {
                    "respondents": total.respondents,
                    "value": None if outcome.total_suppressed else _value(total.total),
                    "suppressed": outcome.total_suppressed,
                },
                "cells": [
                    {
                        "group": group,
                        "label": _group_label(by, group, categories),
                        "respondents": cell.respondents,
                        "value": None if group in outcome.suppressed else _value(cell.total),
                        "suppressed": group in outcome.suppressed,
                        "reason": outcome.suppressed.get(group),
                    }
                    for group, cell in sorted(per.items())
                ],
            }
        )
    return {
        "campaign": campaign.year,
        "by": by,
        "rule": {"min_respondents": rule.min_respondents, "dominance": str(rule.dominance)},
        "indicators": indicators,
    }
