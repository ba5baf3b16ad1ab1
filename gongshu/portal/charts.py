"""The chart of one field on a resource page, computed under the gate's read lease:
``gate.read`` asks the gate with the visitor's Principal, and the lease's source is the
SELECT with the Decision applied (fields, row filter, masks); DuckDB aggregates over it
and only the buckets reach the page, never rows. The bars count as the rows sent (cut
to the rows the agreement leaves today); the lease records the read."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

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
        chart = _chart(lease, name)
        lease.query_params = [name, chart.kind]  # the kind is known once the types are
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
                width = (float(high) - float(low)) / BINS or 1.0
                counts = dict(
                    con.execute(
                        f"SELECT least(CAST(floor(({column} - ?) / ?) AS INTEGER), {BINS - 1}),"  # noqa: S608
                        f" count(*) FROM ({sql}) WHERE {column} IS NOT NULL GROUP BY 1",
                        [float(low), width, *values],
                    ).fetchall()
                )
                bins = BINS if high != low else 1
                found = [Bar(f"{float(low) + i * width:g}", counts.get(i, 0)) for i in range(bins)]
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
