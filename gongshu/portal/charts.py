"""The chart of one field on a resource page, computed under the gate's read lease:
``gate.read`` asks the gate with the visitor's Principal, and the lease's source is the
SELECT with the Decision applied (fields, row filter, masks); DuckDB aggregates over it
and only the buckets reach the page, never rows. The bars count as the rows sent (cut
to the rows the agreement leaves today); the lease records the read."""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gongshu import gate
from gongshu.catalog.models import Dataset
from gongshu.engine import limits
from gongshu.engine.duck import Engine
from gongshu.policy.sql import ident
from gongshu.portal.svg import Bar
from gongshu.tabular import query

NUMERIC = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "REAL")
TEMPORAL = ("DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE")
BINS, TOP = 20, 15


@dataclass
class FieldChart:
    field: str
    kind: str  # histogram, series, top
    bars: list[Bar] = dataclasses.field(default_factory=list)  # `field` is shadowed here
    total: int = 0
    notice: str | None = None  # the bars were cut to the rows left today


def _bins(low: float, high: float) -> tuple[float, float, int]:
    """(start, width, count) of at most BINS bins of a "nice" width (1, 2 or 5 times a
    power of ten, or 2.5 times) from a multiple of it, so that the axis reads 0, 5, 10, never
    10.357019999999999."""
    if high == low:
        return low, 1.0, 1
    raw = (high - low) / BINS
    power = 10 ** math.floor(math.log10(raw))
    width = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    start = math.floor(low / width) * width
    count = min(BINS, max(1, math.ceil((high - start) / width + 1e-9)))
    if start + count * width <= high:  # the top value belongs in the last bin
        count = min(BINS, count + 1)
    return start, width, count


def _tick(value: float) -> str:
    """A bin's lower edge without float noise: 0.30000000000000004 is 0.3."""
    return format(Decimal(repr(round(value, 10))).normalize(), "f")


def _kind(duck_type: str) -> str:
    base = duck_type.split("(")[0].upper()
    if base in NUMERIC or base.startswith("DECIMAL"):
        return "histogram"
    if base in TEMPORAL:
        return "series"
    return "top"


def chart_of(caller, dataset: Dataset, name: str) -> FieldChart:
    """Raises gate.Denied when the gate refuses, ValidationError for an unknown field."""
    with gate.read(caller, dataset, gate.Action.READ, query="chart", query_params=[name]) as lease:
        chart = chart_in(lease, name)
        lease.query_params = [name, chart.kind]  # the kind is known once the types are
    return chart


def chart_in(lease: gate.Lease, name: str) -> FieldChart:
    """The chart inside an open lease (the resource page draws it in the same read as its
    preview, so a view costs one call). Reports its bars as rows sent."""
    chart = _chart(lease, name)
    # Each bar counts as a row sent, taken from the agreement's rows a day.
    chart.bars = chart.bars[: lease.take_rows(len(chart.bars))]
    chart.notice = lease.cut_notice()
    lease.sent(rows=len(chart.bars))
    return chart


def _chart(lease: gate.Lease, name: str) -> FieldChart:
    source = lease.source
    with Engine.shared() as engine, engine.deadline(limits.query_timeout_s()):
        types = query.column_types(engine, source)
        if name not in types:
            raise ValidationError({"chart": _("No field named %(name)s.") % {"name": name}})
        sql, values = source.select(row_id=False)
        column = ident(name)
        kind = _kind(types[name])
        con = engine.con
        counted = con.execute(f"SELECT count(*) FROM ({sql})", values).fetchone()  # noqa: S608
        assert counted is not None  # an aggregate gives one row
        total = counted[0]
        if kind == "histogram":
            extremes = con.execute(
                f"SELECT min({column}), max({column}) FROM ({sql})",  # noqa: S608
                values,
            ).fetchone()
            assert extremes is not None  # an aggregate gives one row
            low, high = extremes
            found = []
            if low is not None:
                start, width, bins = _bins(float(low), float(high))
                counts = dict(
                    con.execute(
                        f"SELECT least(CAST(floor(({column} - ?) / ?) AS INTEGER), {bins - 1}),"  # noqa: S608
                        f" count(*) FROM ({sql}) WHERE {column} IS NOT NULL GROUP BY 1",
                        [start, width, *values],
                    ).fetchall()
                )
                found = [Bar(_tick(start + i * width), counts.get(i, 0)) for i in range(bins)]
        elif kind == "series":
            spanned = con.execute(
                f"SELECT date_diff('day', min({column}), max({column})) FROM ({sql})",  # noqa: S608
                values,
            ).fetchone()
            assert spanned is not None  # an aggregate gives one row
            span = spanned[0]
            unit, fmt = (
                ("day", "%Y-%m-%d")
                if (span or 0) <= 62
                else ("month", "%Y-%m")
                if span <= 3 * 366
                else ("year", "%Y")
            )
            found = [
                Bar(label, n)
                for label, n in con.execute(
                    f"SELECT strftime(date_trunc('{unit}', {column}), '{fmt}') AS p, count(*)"  # noqa: S608
                    f" FROM ({sql}) WHERE {column} IS NOT NULL GROUP BY 1 ORDER BY 1",
                    values,
                ).fetchall()
            ]
        else:
            found = [
                Bar(_("(empty)") if v is None else str(v), n)
                for v, n in con.execute(
                    f"SELECT CAST({column} AS VARCHAR), count(*) FROM ({sql})"  # noqa: S608
                    f" GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT {TOP}",
                    values,
                ).fetchall()
            ]
    return FieldChart(name, kind, found, total)


def chartable_fields(dataset: Dataset) -> list[str]:
    return list(dataset.fields.order_by("position").values_list("name", flat=True))
