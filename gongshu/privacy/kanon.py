"""k-anonymity over chosen quasi-identifiers, computed by DuckDB over the rows as they
would be released (each quasi-identifier through its mask), so generalising a field
shows at once how many rows stop being at risk."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from gongshu.engine.duck import Engine
from gongshu.policy import masks
from gongshu.policy.sql import ident, string_literal


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
    path: Path, quasi_identifiers: list[str], k: int, applied: dict[str, dict] | None = None
) -> Report:
    """Group the rows of the Parquet file at ``path`` by the quasi-identifiers, each
    passed through its mask in ``applied``; nulls form a group of their own."""
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
        f"WITH g AS (SELECT count(*) AS n FROM (SELECT {items} FROM"  # noqa: S608
        f" read_parquet({string_literal(str(path))})) GROUP BY {keys})"
        f" SELECT coalesce(sum(n), 0), count(*), coalesce(min(n), 0),"
        f" count(*) FILTER (WHERE n < {int(k)}), coalesce(sum(n) FILTER (WHERE n < {int(k)}), 0)"
        " FROM g"
    )
    with Engine([path]) as engine:
        rows, groups, smallest, risky_groups, risky_rows = engine.con.execute(sql).fetchone()
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
