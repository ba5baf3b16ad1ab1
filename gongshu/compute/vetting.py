"""Automatic output vetting: an output leaves only when every check passes.

The checks, each citing its rule (rules/vetting.json):

- ``no-identifier``: the privacy detectors (gongshu/privacy/scan.py) find no column of
  a person's identifiers, and no output column carries an input field tagged as one
  (a hashed resident ID is still a pseudonymous key);
- ``k-groups``: the quasi-identifier columns present (named like one, an input field
  tagged personal, or detected as a birth date or coordinates) — every output row's
  combination of them stands for at least k input rows, measured on the gated input;
  a DP output skips this check (its noise is the protection);
- ``no-input-row``: where the output carries personal fields of an input beyond its
  quasi-identifiers, no output row equals an input row on them;
- ``max-rows`` and ``max-bytes``.

The SQL here is Gongshu's own over the output file and the gated inputs (the files the
job itself was given), so it runs in this process; the job's SQL never does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gongshu.compute import rules
from gongshu.engine.duck import Engine
from gongshu.policy.reasons import parts_of
from gongshu.policy.reasons import reason as _
from gongshu.policy.sql import ident, string_literal
from gongshu.privacy.detectors import PERSON_IDENTIFIERS
from gongshu.privacy.scan import scan_parquet

IDENTIFIERS = PERSON_IDENTIFIERS | {"address"}
QUASI_DETECTORS = {"birth_date", "coordinates"}
# Column names of the usual quasi-identifiers (GB/T 35273-2020 annex, 准标识符).
QUASI_NAMES = re.compile(
    r"性别|年龄|出生|生日|邮编|邮政编码|行政区划|区县|街道|民族|职业|婚姻|学历|籍贯"
    r"|gender|sex|(^|_)age($|_)|birth|dob|zip|postcode|postal|district|ethnic|occupation|marital",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Input:
    """A gated input as vetting sees it: its file, visible fields, their sensitivity and
    the detector that tagged them."""

    name: str
    path: Path
    fields: list[str]
    sensitivity: dict[str, str] = field(default_factory=dict)
    detector: dict[str, str] = field(default_factory=dict)

    def personal(self) -> set[str]:
        return {f for f in self.fields if self.sensitivity.get(f, "none") != "none"}


@dataclass
class Verdict:
    checks: list[dict[str, Any]] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(c["passed"] for c in self.checks)

    @property
    def reason(self) -> str:
        return " ".join(c["reason"] for c in self.checks if not c["passed"])

    @property
    def parts(self) -> list[list[Any]]:
        """The failed checks' reasons as message ids and values (policy/reasons.py)."""
        return [p for c in self.checks if not c["passed"] for p in c.get("parts") or []]

    def add(self, rule_id: str, passed: bool, reason: str = "") -> None:
        self.checks.append(
            {
                "rule": rules.rule(rule_id).cited(),
                "passed": passed,
                "reason": str(reason),
                "parts": parts_of(reason) or [],
            }
        )


def _src(path: Path) -> str:
    return f"read_parquet({string_literal(str(path))})"


def vet(
    path: Path, inputs: list[Input], *, k: int, differentially_private: bool = False
) -> Verdict:
    """Vet the output Parquet file at ``path``."""
    verdict = Verdict()
    with Engine([path, *(i.path for i in inputs)]) as engine:
        con = engine.con
        described = con.execute(f"DESCRIBE SELECT * FROM {_src(path)}").fetchall()  # noqa: S608
        columns = [row[0] for row in described]
        counted = con.execute(f"SELECT count(*) FROM {_src(path)}").fetchone()  # noqa: S608
        assert counted is not None  # an aggregate gives one row
        rows = counted[0]
        size = path.stat().st_size
        _caps(verdict, rows, size)
        findings = [f for f in scan_parquet(path, columns).findings if f.flagged] if rows else []
        _identifiers(verdict, columns, findings, inputs)
        quasi = [
            c
            for c in columns
            if QUASI_NAMES.search(c)
            or any(c in i.personal() and i.detector.get(c) not in IDENTIFIERS for i in inputs)
            or any(f.field == c and f.detector in QUASI_DETECTORS for f in findings)
        ]
        if not differentially_private:
            _groups(verdict, con, path, quasi, inputs, k)
        _input_rows(verdict, con, path, columns, quasi, inputs)
    return verdict


def _caps(verdict: Verdict, rows: int, size: int) -> None:
    max_rows, max_bytes = int(rules.value("max-rows")), int(rules.value("max-bytes"))
    verdict.add(
        "max-rows",
        rows <= max_rows,
        ""
        if rows <= max_rows
        else _("The output has %(n)d rows, more than the %(max)d allowed.")
        % {"n": rows, "max": max_rows},
    )
    verdict.add(
        "max-bytes",
        size <= max_bytes,
        ""
        if size <= max_bytes
        else _("The output has %(n)d bytes, more than the %(max)d allowed.")
        % {"n": size, "max": max_bytes},
    )


def _identifiers(verdict: Verdict, columns: list[str], findings: list, inputs: list[Input]) -> None:
    found = [f"{f.field} ({f.detector})" for f in findings if f.detector in IDENTIFIERS]
    for column in columns:
        for item in inputs:
            tag = item.detector.get(column)
            if tag in IDENTIFIERS and not any(x.startswith(f"{column} (") for x in found):
                found.append(f"{column} ({tag})")
    verdict.add(
        "no-identifier",
        not found,
        _(
            "The output holds identifiers of people: %(cols)s. Aggregate them away or leave them out."
        )
        % {"cols": ", ".join(found)}
        if found
        else "",
    )


def _key(columns: list[str], table: str) -> str:
    return ", ".join(f"CAST({table}.{ident(c)} AS VARCHAR)" for c in columns)


def _groups(
    verdict: Verdict, con, path: Path, quasi: list[str], inputs: list[Input], k: int
) -> None:
    if not quasi:
        verdict.add("k-groups", True)
        return
    source = next((i for i in inputs if set(quasi) <= set(i.fields)), None)
    if source is None:
        verdict.add(
            "k-groups",
            False,
            _(
                "The output's quasi-identifiers %(cols)s are not fields of one input, so the "
                "size of their groups cannot be measured; group by the input's own fields."
            )
            % {"cols": ", ".join(quasi)},
        )
        return
    on = " AND ".join(
        f"CAST(o.{ident(c)} AS VARCHAR) IS NOT DISTINCT FROM g.{ident(c)}" for c in quasi
    )
    items = ", ".join(f"CAST({ident(c)} AS VARCHAR) AS {ident(c)}" for c in quasi)
    sql = (
        f"WITH g AS (SELECT {items}, count(*) AS __n FROM {_src(source.path)} GROUP BY ALL)"  # noqa: S608
        f" SELECT count(*), coalesce(min(g.__n), 0) FROM {_src(path)} o LEFT JOIN g ON {on}"
        f" WHERE coalesce(g.__n, 0) < {int(k)}"
    )
    small, smallest = con.execute(sql).fetchone()
    verdict.add(
        "k-groups",
        small == 0,
        _(
            "%(n)d output rows stand for groups of fewer than %(k)d people over %(cols)s "
            "(the smallest has %(min)d); group more coarsely."
        )
        % {"n": small, "k": k, "cols": ", ".join(quasi), "min": smallest}
        if small
        else "",
    )


def _input_rows(
    verdict: Verdict, con, path: Path, columns: list[str], quasi: list[str], inputs: list[Input]
) -> None:
    copied = 0
    compared: list[str] = []
    for item in inputs:
        carried = [c for c in columns if c in item.personal()]
        if not carried or set(carried) <= set(quasi):
            continue
        on = " AND ".join(
            f"CAST(o.{ident(c)} AS VARCHAR) IS NOT DISTINCT FROM CAST(i.{ident(c)} AS VARCHAR)"
            for c in carried
        )
        sql = (
            f"SELECT count(*) FROM {_src(path)} o WHERE EXISTS"  # noqa: S608
            f" (SELECT 1 FROM {_src(item.path)} i WHERE {on})"
        )
        copied += con.execute(sql).fetchone()[0]
        compared += carried
    verdict.add(
        "no-input-row",
        copied == 0,
        _("%(n)d output rows equal input rows on the personal fields %(cols)s.")
        % {"n": copied, "cols": ", ".join(compared)}
        if copied
        else "",
    )
