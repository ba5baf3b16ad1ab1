"""The query parameters of the rows API and exports, parsed and turned into SQL fragments.

Column names are matched against the gated columns and quoted as identifiers; every value
is a bound parameter, cast in SQL to the column's own type. Errors name the parameter.

    fields=a,b            projection (any visible field; default all)
    filter=col:op:value   repeatable; ops below; the value may itself contain ':'
    sort=col,-col2        '-' for descending; NULLs sort last either way
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gongshu.engine.duck import Engine
from gongshu.policy.sql import ident, scalar_type

COMPARISONS = {"eq": "=", "ne": "<>", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
OPERATORS = (*COMPARISONS, "in", "like", "ilike", "null", "notnull")
MAX_IN_VALUES = 1000


@dataclass(frozen=True)
class Filter:
    column: str
    op: str
    values: tuple[str, ...] = ()


@dataclass
class RowSpec:
    """What the caller asked for, before it meets the data."""

    fields: list[str] | None = None
    filters: list[Filter] = field(default_factory=list)
    sort: list[tuple[str, bool]] = field(default_factory=list)  # (column, descending)

    def digest_parts(self) -> list:
        # Identifies the result set a cursor belongs to; fields do not change the order.
        return [
            [[f.column, f.op, list(f.values)] for f in self.filters],
            [[c, d] for c, d in self.sort],
        ]


def _split_list(values: list[str]) -> list[str]:
    return [item.strip() for value in values for item in value.split(",") if item.strip()]


def parse(
    columns: dict[str, str],
    *,
    fields: list[str] | None = None,
    filters: list[str] | None = None,
    sort: list[str] | None = None,
) -> RowSpec:
    """Check names and operators against ``columns`` (name -> DuckDB type)."""
    spec = RowSpec()
    if fields:
        chosen = _split_list(fields)
        unknown = [name for name in chosen if name not in columns]
        if unknown:
            raise ValidationError(
                {"fields": _("No field named %(names)s.") % {"names": ", ".join(unknown)}}
            )
        spec.fields = list(dict.fromkeys(chosen))
    for raw in filters or []:
        spec.filters.append(_parse_filter(columns, raw))
    for item in _split_list(sort or []):
        descending = item.startswith("-") and item not in columns
        name = item[1:] if descending else item
        if name not in columns:
            raise ValidationError({"sort": _("No field named %(name)s.") % {"name": name}})
        if scalar_type(columns[name]) is None:
            raise ValidationError(
                {"sort": _("The field %(name)s cannot be sorted on.") % {"name": name}}
            )
        spec.sort.append((name, descending))
    return spec


def _parse_filter(columns: dict[str, str], raw: str) -> Filter:
    # Column names may contain ':', so match the longest known name first.
    for name in sorted(columns, key=len, reverse=True):
        if raw.startswith(name + ":"):
            break
    else:
        raise ValidationError(
            {
                "filter": _(
                    "%(filter)s does not start with a known field; write field:operator:value."
                )
                % {"filter": raw}
            }
        )
    op, _sep, value = raw[len(name) + 1 :].partition(":")
    if op not in OPERATORS:
        raise ValidationError(
            {
                "filter": _("Unknown operator %(op)s; use one of %(ops)s.")
                % {"op": op, "ops": ", ".join(OPERATORS)}
            }
        )
    if op in ("null", "notnull"):
        return Filter(name, op)
    if scalar_type(columns[name]) is None:
        raise ValidationError(
            {"filter": _("The field %(name)s cannot be filtered on.") % {"name": name}}
        )
    if op == "in":
        values = tuple(value.split(","))
        if len(values) > MAX_IN_VALUES:
            raise ValidationError(
                {"filter": _("Give at most %(n)d values to in.") % {"n": MAX_IN_VALUES}}
            )
        return Filter(name, op, values)
    return Filter(name, op, (value,))


def check_values(engine: Engine, columns: dict[str, str], spec: RowSpec) -> None:
    """Let DuckDB say whether each value converts to its column's type, so that a bad
    value is a 400 naming the filter rather than a failed query."""
    for flt in spec.filters:
        if flt.op in ("like", "ilike", "null", "notnull"):
            continue
        for value in flt.values:
            try:
                engine.con.execute(f"SELECT CAST(? AS {columns[flt.column]})", [value]).fetchall()
            except duckdb.Error:
                raise ValidationError(
                    {
                        "filter": _("%(value)s is not a valid %(type)s for %(name)s.")
                        % {"value": value, "type": columns[flt.column], "name": flt.column}
                    }
                ) from None


def where(columns: dict[str, str], spec: RowSpec, alias: str = "g") -> tuple[str, list]:
    """The caller's filters as one AND-ed condition with its parameters."""
    parts: list[str] = []
    params: list = []
    for flt in spec.filters:
        col = f"{alias}.{ident(flt.column)}"
        kind = columns[flt.column]
        if flt.op in COMPARISONS:
            parts.append(f"{col} {COMPARISONS[flt.op]} CAST(? AS {kind})")
            params.append(flt.values[0])
        elif flt.op == "in":
            marks = ", ".join(f"CAST(? AS {kind})" for _v in flt.values)
            parts.append(f"{col} IN ({marks})")
            params.extend(flt.values)
        elif flt.op in ("like", "ilike"):
            parts.append(f"CAST({col} AS VARCHAR) {flt.op.upper()} ?")
            params.append(flt.values[0])
        elif flt.op == "null":
            parts.append(f"{col} IS NULL")
        else:
            parts.append(f"{col} IS NOT NULL")
    return (" AND ".join(parts) or "TRUE"), params


def order_by(spec: RowSpec, row_id: str | None, alias: str = "g") -> str:
    terms = [
        f"{alias}.{ident(name)} {'DESC' if desc else 'ASC'} NULLS LAST" for name, desc in spec.sort
    ]
    if row_id:
        terms.append(f"{alias}.{ident(row_id)} ASC")
    return ", ".join(terms)


def keyset(
    columns: dict[str, str],
    spec: RowSpec,
    row_id: str,
    keys: list[str | None],
    last_row: int,
    alias: str = "g",
) -> tuple[str, list]:
    """Rows strictly after the last one of the previous page in ORDER BY order, NULLs
    last: for each sort column, 'equal on the ones before, after on this one'."""
    disjuncts: list[str] = []
    params: list = []
    equal: list[str] = []
    equal_params: list = []
    for (name, desc), key in zip(spec.sort, keys, strict=True):
        col = f"{alias}.{ident(name)}"
        cast = f"CAST(? AS {columns[name]})"
        if key is not None:  # after a NULL nothing non-NULL follows in this column
            after = f"({col} {'<' if desc else '>'} {cast} OR {col} IS NULL)"
            disjuncts.append("(" + " AND ".join([*equal, after]) + ")")
            params.extend([*equal_params, key])
            equal.append(f"{col} = {cast}")
            equal_params.append(key)
        else:
            equal.append(f"{col} IS NULL")
    disjuncts.append("(" + " AND ".join([*equal, f"{alias}.{ident(row_id)} > ?"]) + ")")
    params.extend([*equal_params, last_row])
    return "(" + " OR ".join(disjuncts) + ")", params
