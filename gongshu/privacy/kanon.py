"""k-anonymity over chosen quasi-identifiers, computed by DuckDB over the rows as they
would be released (each quasi-identifier through its mask), so generalising a field
shows at once how many rows stop being at risk.

The computation only: it runs over a SELECT it is given, on an Engine it is given. What
that SELECT reads is the gate's to decide (gongshu/tabular/kanon.py reads it through
``gate.read``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from gongshu.engine.duck import Engine
from gongshu.policy import masks
from gongshu.policy.sql import ident


@dataclass(frozen=True)
class Report:
    k: int
    quasi_identifiers: list[str]
    rows: int
    groups: int
    smallest_group: int
    groups_at_risk: int  # groups smaller than k
    rows_at_risk: int  # rows in those groups: re-identifiable to fewer than k people
    share_at_risk: float
    satisfied: bool

    def as_dict(self) -> dict:
        return asdict(self)


def check(
    engine: Engine,
    select: str,
    params: Sequence[Any],
    quasi_identifiers: list[str],
    k: int,
    applied: dict[str, dict] | None = None,
) -> Report:
    """Group the rows of ``select`` (SQL with its ``params``, run on ``engine``) by the
    quasi-identifiers, each passed through its mask in ``applied``; nulls form a group of
    their own."""
    if not quasi_identifiers:
        raise ValueError("name at least one quasi-identifier")
    if k < 2:
        raise ValueError("k is at least 2")
    applied = applied or {}
    items = ", ".join(
        f"{masks.expression(ident(q), applied.get(q, {}))} AS q{i}"
        for i, q in enumerate(quasi_identifiers)
    )
    keys = ", ".join(f"q{i}" for i in range(len(quasi_identifiers)))
    sql = (
        f"WITH g AS (SELECT count(*) AS n FROM (SELECT {items} FROM ({select}) s)"  # noqa: S608
        f" GROUP BY {keys})"
        f" SELECT coalesce(sum(n), 0), count(*), coalesce(min(n), 0),"
        f" count(*) FILTER (WHERE n < {int(k)}), coalesce(sum(n) FILTER (WHERE n < {int(k)}), 0)"
        " FROM g"
    )
    found = engine.con.execute(sql, list(params)).fetchone()
    assert found is not None  # an aggregate gives one row
    rows, groups, smallest, risky_groups, risky_rows = found
    return Report(
        k=k,
        quasi_identifiers=list(quasi_identifiers),
        rows=int(rows),
        groups=int(groups),
        smallest_group=int(smallest),
        groups_at_risk=int(risky_groups),
        rows_at_risk=int(risky_rows),
        share_at_risk=round(risky_rows / rows, 6) if rows else 0.0,
        satisfied=risky_rows == 0,
    )
