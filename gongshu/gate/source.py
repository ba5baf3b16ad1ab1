"""A version as a Decision lets the caller see it: the SELECT every read path runs.

``select_sql`` is the one place the Decision's projection, row filter and masks become
SQL; a ``Source`` (handed out by the read lease only) applies it to its version, or reads
the Decision's masked copy (gate/copies.py), which the same SELECT wrote.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gongshu.engine import storage
from gongshu.engine.duck import Engine
from gongshu.policy import masks
from gongshu.policy.decision import Decision
from gongshu.policy.sql import ident, inline_params, string_literal

ROW_ID = "__gongshu_row"  # stable row id: the row's position in its Parquet file


@functools.lru_cache(maxsize=256)
def stored_types(sha256: str) -> dict[str, str]:
    """DuckDB types of a stored version's columns, from its Parquet footer; versions are
    immutable, so the answer is cached per file."""
    path = storage.version_path(sha256)
    with Engine.shared() as engine:
        rows = engine.con.execute(
            f"DESCRIBE SELECT * FROM read_parquet({string_literal(str(path))})"  # noqa: S608
        ).fetchall()
    return {row[0]: row[1] for row in rows}


def select_sql(
    path: Path,
    names: list[str],
    mask_specs: dict[str, dict],
    row_filter: tuple[str, tuple] | None,
    types: dict[str, str],
    *,
    row_id: bool = True,
) -> tuple[str, list]:
    """SELECT of ``names`` from the Parquet file at ``path``, each through its mask, over
    the rows ``row_filter`` (on the raw columns, before masking) keeps."""
    items = [
        f"{masks.expression(ident(n), mask_specs.get(n, {}), types.get(n))} AS {ident(n)}"
        for n in names
    ]
    if row_id:
        items.append(f"file_row_number AS {ident(ROW_ID)}")
    if not items:
        items = ["NULL AS __nothing"]
    condition, values = row_filter or ("TRUE", ())
    sql = (
        f"SELECT {', '.join(items)} FROM read_parquet({string_literal(str(path))},"  # noqa: S608
        f" file_row_number = true) WHERE ({condition})"
    )
    return sql, list(values)


def types_for(sha256: str, mask_specs: dict[str, dict]) -> dict[str, str]:
    """The stored types, when a mask needs them (only then is the footer read)."""
    if any(masks.needs_type(spec) for spec in mask_specs.values()):
        return stored_types(sha256)
    return {}


@dataclass(frozen=True)
class Source:
    """A version as the Decision lets the caller see it. ``copy``, when set, is a masked
    copy built for exactly this Decision: its columns are already projected, filtered and
    masked, and its ``__gongshu_row`` holds each row's position in the version, so both
    ways of reading give the same rows and row ids."""

    dataset: Any
    version: Any
    decision: Decision
    copy: Path | None = None

    @property
    def path(self) -> Path:
        """The one file this source reads."""
        return self.copy or storage.version_path(self.version.sha256)

    @property
    def field_names(self) -> list[str]:
        """Visible fields in schema order."""
        names = [f["name"] for f in self.version.table_schema.get("fields", [])]
        allowed = self.decision.fields
        return names if allowed is None else [n for n in names if n in allowed]

    @property
    def restricted(self) -> bool:
        """Whether the Decision changes anything compared with the stored file."""
        d = self.decision
        return bool(d.row_filter or d.masks) or (
            d.fields is not None
            and set(self.field_names) != {f["name"] for f in self.version.table_schema["fields"]}
        )

    def select(self, *, row_id: bool = True) -> tuple[str, list]:
        """SELECT of the visible, masked columns of the version's rows the caller may see."""
        if self.copy is not None:
            return self._select_copy(row_id=row_id), []
        specs = {n: self.decision.masks.get(n, {}) for n in self.field_names}
        return select_sql(
            self.path,
            self.field_names,
            specs,
            self.decision.row_filter,
            types_for(self.version.sha256, specs),
            row_id=row_id,
        )

    def _select_copy(self, *, row_id: bool) -> str:
        items = [ident(n) for n in self.field_names]
        if row_id:
            items.append(ident(ROW_ID))
        if not items:
            items = ["NULL AS __nothing"]
        copy = string_literal(str(self.copy))
        return f"SELECT {', '.join(items)} FROM read_parquet({copy})"  # noqa: S608

    def view_sql(self) -> str:
        """The SELECT with the gate's parameters inlined, for a view (views cannot bind)."""
        sql, values = self.select(row_id=False)
        return inline_params(sql, values)
