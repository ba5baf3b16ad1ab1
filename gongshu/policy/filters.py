"""The row-filter language of agreement policies: JSON, never SQL.

    {"and": [expr, ...]}  {"or": [expr, ...]}  {"not": expr}
    {"field": "district", "op": "eq" | "ne" | "lt" | "le" | "gt" | "ge", "value": scalar}
    {"field": "district", "op": "in" | "notin", "value": [scalar, ...]}
    {"field": "district", "op": "null" | "notnull"}

Scalars are strings, numbers and booleans. ``compile`` turns an expression into a DuckDB
boolean expression with quoted identifiers and ``?`` parameters, after checking every
field against the resource's fields; anything else is refused.
"""

from __future__ import annotations

import math
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gongshu.policy.sql import ident

COMPARISONS = {"eq": "=", "ne": "<>", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
MAX_NODES = 200
MAX_DEPTH = 10
MAX_LIST = 1000


def _bad(message: str) -> ValidationError:
    return ValidationError({"policy": _("Row filter: %(m)s") % {"m": message}})


def _scalar(value: Any) -> Any:
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    raise _bad(_("values are strings, numbers or booleans, not %(v)r.") % {"v": value})


def compile(expr: Any, known: set[str] | None) -> tuple[str, tuple]:
    """(SQL, params) for ``expr``; ``known`` is the set of field names (None: unchecked)."""
    budget = [MAX_NODES]
    params: list[Any] = []
    sql = _node(expr, known, params, budget, 0)
    return sql, tuple(params)


def _node(expr: Any, known: set[str] | None, params: list, budget: list[int], depth: int) -> str:
    budget[0] -= 1
    if budget[0] < 0 or depth > MAX_DEPTH:
        raise _bad(_("the expression is too large."))
    if not isinstance(expr, dict):
        raise _bad(_("each expression is a JSON object."))
    if set(expr) in ({"and"}, {"or"}):
        ((word, parts),) = expr.items()
        if not isinstance(parts, list) or not parts:
            raise _bad(_("%(w)s takes a non-empty list.") % {"w": word})
        joined = f" {word.upper()} ".join(_node(p, known, params, budget, depth + 1) for p in parts)
        return f"({joined})"
    if set(expr) == {"not"}:
        return f"(NOT {_node(expr['not'], known, params, budget, depth + 1)})"
    if not set(expr) <= {"field", "op", "value"} or "field" not in expr or "op" not in expr:
        raise _bad(_("a comparison is {field, op, value}."))
    name, op = expr["field"], expr["op"]
    if not isinstance(name, str) or not name or "?" in name or "\x00" in name:
        raise _bad(_("a field name is a non-empty string without ?."))
    if known is not None and name not in known:
        raise _bad(_("the resource has no field %(f)s.") % {"f": name})
    column = ident(name)
    if op in ("null", "notnull"):
        if "value" in expr:
            raise _bad(_("%(op)s takes no value.") % {"op": op})
        return f"({column} IS {'NOT ' if op == 'notnull' else ''}NULL)"
    if "value" not in expr:
        raise _bad(_("%(op)s needs a value.") % {"op": op})
    value = expr["value"]
    if op in COMPARISONS:
        params.append(_scalar(value))
        return f"({column} {COMPARISONS[op]} ?)"
    if op in ("in", "notin"):
        if not isinstance(value, list) or not 1 <= len(value) <= MAX_LIST:
            raise _bad(_("%(op)s takes a list of 1 to %(n)d values.") % {"op": op, "n": MAX_LIST})
        params.extend(_scalar(v) for v in value)
        marks = ", ".join("?" for _v in value)
        return f"({column} {'NOT ' if op == 'notin' else ''}IN ({marks}))"
    raise _bad(_("unknown operator %(op)s.") % {"op": op})
