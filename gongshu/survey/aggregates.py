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
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
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


@dataclass(frozen=True)
class _Suppressed:
    """One indicator's table of one campaign, after suppression."""

    question: Question
    cells: dict[str, suppression.Cell]
    total: suppression.Cell
    outcome: suppression.Outcome

    def published(self, group: str) -> Decimal | None:
        """The group's value if published (``""`` is the total), else None."""
        if group == "":
            return None if self.outcome.total_suppressed else self.total.total
        if group not in self.cells or group in self.outcome.suppressed:
            return None
        return self.cells[group].total

    def shown(self, group: str) -> dict[str, Any] | None:
        if group == "":
            return {
                "respondents": self.total.respondents,
                "value": _shown(self.published("")),
                "suppressed": self.outcome.total_suppressed,
            }
        if group not in self.cells:
            return None
        return {
            "respondents": self.cells[group].respondents,
            "value": _shown(self.published(group)),
            "suppressed": group in self.outcome.suppressed,
            "reason": self.outcome.suppressed.get(group),
        }


def _shown(value: Decimal | None) -> str | None:
    return None if value is None else _value(value)


def _suppressed(campaign: Campaign, by: str, rule: suppression.Rule) -> dict[str, _Suppressed]:
    """{question name: its suppressed table}, in the form's order."""
    grouped = cells(snapshot(campaign), by)
    found: dict[str, _Suppressed] = {}
    for question in Question.objects.filter(version=campaign.form_version, indicator=True):
        per = dict(grouped.get(question.pk, {}))
        total = per.pop("", suppression.Cell(0, Decimal(0), Decimal(0)))
        found[question.name] = _Suppressed(
            question, per, total, suppression.suppress(per, total, rule)
        )
    return found


def previous_campaign(campaign: Campaign, *, include_unpublished: bool = False) -> Campaign | None:
    """The campaign the year before whose form is a version of the same form (its code):
    the lineage year on year. Its indicators are matched by question name and unit, so a
    question renamed or measured in another unit has no previous year. An unpublished
    previous campaign is only the authority's to compare with."""
    found = Campaign.objects.filter(
        year=campaign.year - 1, form_version__form_id=campaign.form_version.form_id
    ).first()
    if found is None or not (found.published or include_unpublished):
        return None
    return found


PERCENT = Decimal("0.1")
NO_ANSWERS = {"respondents": 0, "value": "0", "suppressed": False, "reason": None}


def change(now: Decimal | None, before: Decimal | None) -> dict[str, str | None] | None:
    """The change from last year, only between two published values: each year is
    suppressed on its own first, and a change next to a suppressed value would give it
    away (this year's value less the change is last year's)."""
    if now is None or before is None:
        return None
    percent = None
    if before:
        ratio = (now - before) / abs(before) * 100
        percent = format(ratio.quantize(PERCENT, rounding=ROUND_HALF_EVEN), "f")
    return {"absolute": _value(now - before), "percent": percent}


def _beside(this: _Suppressed, that: _Suppressed | None, group: str) -> dict[str, Any]:
    if that is None:
        return {"previous": None, "change": None}
    return {
        "previous": that.shown(group),
        "change": change(this.published(group), that.published(group)),
    }


def table(
    campaign: Campaign,
    by: str,
    rule: suppression.Rule | None = None,
    *,
    include_unpublished: bool = False,
) -> dict[str, Any]:
    """The campaign's published tables by ``by``, each cell beside the same cell of the
    previous year's campaign (``previous_campaign``) and the change between them.
    ``include_unpublished`` lets the authority compare with a previous campaign it has
    not published yet."""
    rule = rule or suppression.Rule()
    before = previous_campaign(campaign, include_unpublished=include_unpublished)
    last = _suppressed(before, by, rule) if before else {}
    categories = {c.code: c for c in Category.objects.all()}
    zh = language() == "zh"
    indicators: list[dict[str, Any]] = []
    for name, this in _suppressed(campaign, by, rule).items():
        question = this.question
        that = last.get(name)
        if that is not None and that.question.unit != question.unit:
            that = None
        total = this.shown("")
        assert total is not None
        indicators.append(
            {
                "question": question.name,
                "label": (question.label_zh if zh else question.label_en) or question.name,
                "unit": question.unit,
                "total": {**total, **_beside(this, that, "")},
                # A group that answered last year only is a row too (none answered this
                # year, so nothing of it is this year's to hide): a region that dropped
                # out shows as such, not as a row gone missing.
                "cells": [
                    {
                        "group": group,
                        "label": _group_label(by, group, categories),
                        **(this.shown(group) or NO_ANSWERS),
                        **_beside(this, that, group),
                    }
                    for group in sorted(set(this.cells) | set(that.cells if that else ()))
                ],
            }
        )
    return {
        "campaign": campaign.year,
        "previous_campaign": before.year if before else None,
        "by": by,
        "rule": {"min_respondents": rule.min_respondents, "dominance": str(rule.dominance)},
        "indicators": indicators,
    }
