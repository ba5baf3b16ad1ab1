"""The chart of one field on a resource page, computed through the gated query layer:
``query.open`` asks the gate with the visitor's Principal and hands back the SELECT with
the Decision applied (fields, row filter, masks); DuckDB aggregates over it and only the
buckets reach the page, never rows. The read is recorded like any other."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gongshu.access import gate
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
    bars: list[Bar] = field(default_factory=list)
    total: int = 0


def _kind(duck_type: str) -> str:
    base = duck_type.split("(")[0].upper()
    if base in NUMERIC or base.startswith("DECIMAL"):
        return "histogram"
    if base in TEMPORAL:
        return "series"
    return "top"


def chart_of(caller, dataset: Dataset, name: str) -> FieldChart:
    """Raises query.Denied when the gate refuses, ValidationError for an unknown field."""
    source = query.open(caller, dataset, gate.Action.READ)
    with Engine.shared() as engine, engine.deadline(limits.query_timeout_s()):
        types = query.column_types(engine, source)
        if name not in types:
            raise ValidationError({"chart": _("No field named %(name)s.") % {"name": name}})
        sql, values = source.select(row_id=False)
        column = ident(name)
        kind = _kind(types[name])
        con = engine.con
        total = con.execute(f"SELECT count(*) FROM ({sql})", values).fetchone()[0]  # noqa: S608
        if kind == "histogram":
            low, high = con.execute(
                f"SELECT min({column}), max({column}) FROM ({sql})",  # noqa: S608
                values,
            ).fetchone()
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
            span = con.execute(
                f"SELECT date_diff('day', min({column}), max({column})) FROM ({sql})",  # noqa: S608
                values,
            ).fetchone()[0]
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
    gate.record_read(
        caller,
        dataset,
        source.decision,
        version=source.version.number,
        rows=len(found),
        query="chart",
        query_params=[name, kind],
    )
    return FieldChart(name, kind, found, total)


def chartable_fields(dataset: Dataset) -> list[str]:
    return list(dataset.fields.order_by("position").values_list("name", flat=True))
