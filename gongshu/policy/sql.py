"""SQL text the engine writes itself: quoted identifiers, literals and inlined parameters.

Pure: values here come from the gate or from the engine, never from a caller's SQL.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from decimal import Decimal

# DuckDB type names that may be pasted into CAST(... AS <type>): scalar types only.
_SCALAR_TYPE = re.compile(r"^[A-Z][A-Z0-9_ ]*(\(\d+,\s*\d+\))?$")


def ident(name: str) -> str:
    """A quoted DuckDB identifier; any name, including quotes and Chinese, is safe."""
    return '"' + name.replace('"', '""') + '"'


def string_literal(value: str) -> str:
    if "\x00" in value:
        raise ValueError("NUL in SQL string literal")
    return "'" + value.replace("'", "''") + "'"


def literal(value: object) -> str:
    """A SQL literal for a trusted Python value. Used where DuckDB cannot bind parameters
    (view definitions for the SQL sandbox); values come from the gate, never the caller."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value):
            return repr(value)
        return f"CAST({string_literal(str(value))} AS DOUBLE)"
    if isinstance(value, Decimal):
        return f"CAST({string_literal(str(value))} AS DECIMAL(38, 10))"
    if isinstance(value, str):
        return string_literal(value)
    if isinstance(value, dt.datetime):
        kind = "TIMESTAMPTZ" if value.tzinfo else "TIMESTAMP"
        return f"{kind} {string_literal(value.isoformat(sep=' '))}"
    if isinstance(value, dt.date):
        return f"DATE {string_literal(value.isoformat())}"
    if isinstance(value, dt.time):
        return f"TIME {string_literal(value.isoformat())}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    raise TypeError(f"no SQL literal for {type(value).__name__}")


def inline_params(sql: str, params: Iterable[object]) -> str:
    """Replace each ``?`` of a trusted expression with the literal of its parameter."""
    values = list(params)
    parts = sql.split("?")
    if len(parts) - 1 != len(values):
        raise ValueError("parameter count does not match the placeholders")
    out = [parts[0]]
    for value, rest in zip(values, parts[1:], strict=True):
        out.append(literal(value))
        out.append(rest)
    return "".join(out)


def scalar_type(type_name: str) -> str | None:
    """The type, when it is a scalar one that may appear in a CAST; None for nested."""
    return type_name if _SCALAR_TYPE.match(type_name) else None
