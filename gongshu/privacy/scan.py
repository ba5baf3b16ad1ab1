"""Scan one Parquet version for personal data: detectors run in Python on a sample, and
each candidate is then confirmed over the whole column in one DuckDB aggregate pass with
the detector's SQL predicate. The sample keeps the Python work (stdnum, jieba) bounded;
the SQL pass makes the share exact, so a column that only looked personal in a lucky
sample is not tagged, and one that is personal throughout gets its true share.
"""

from __future__ import annotations

import dataclasses
import random
import threading
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from gongshu.engine.duck import Engine
from gongshu.policy.sql import ident, string_literal
from gongshu.privacy.detectors import (
    DETECTORS,
    NONE,
    PERSON_IDENTIFIERS,
    PERSON_KEY,
    Detector,
)
from gongshu.privacy.lexicon import PROVINCES

SAMPLE_ROWS = 2000
SAMPLE_BLOCKS = 8  # contiguous blocks the sample is read in
# Column types whose values can be identifiers (numbers such as phones are often integers).
TEXT_LIKE = {"VARCHAR", "BIGINT", "INTEGER", "SMALLINT", "HUGEINT", "UBIGINT", "UINTEGER"}
# A detector is a candidate when this share of the sample matches (or the name hints it).
CANDIDATE_SHARE = 0.3
# The share of a column's non-empty values that must match for the column to be tagged;
# lower when its name says the same (a name column with some company names in it).
TAG_SHARE = 0.6
TAG_SHARE_HINTED = 0.3
# Bump when detectors change, so old results can be told apart. 2: coordinates in a table
# without a person identifier are a place's, not personal.
SCAN_VERSION = 2


@dataclass(frozen=True)
class Finding:
    field: str
    detector: str
    sensitivity: str
    confidence: float
    share: float  # of the column's non-empty values, over the whole column
    matched: int
    non_empty: int
    sample_share: float
    name_hint: bool
    flagged: bool  # strong enough to set the field's sensitivity tag
    suggested_mask: dict | None
    # Why a finding is not personal although its detector usually is: "place" for
    # coordinates in a table with no person identifier.
    context: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Outcome:
    findings: list[Finding]
    sampled: int
    rows: int
    seconds: float


def _value(column: str) -> str:
    return f"nullif(trim(CAST({ident(column)} AS VARCHAR)), '')"


_pseg_lock = threading.Lock()


def warm_up() -> None:
    """jieba's dictionary and part-of-speech model (over a second) and pyarrow's compute
    functions (a quarter of one) load on first use; a worker loads them at start rather
    than in its first scan."""
    import pyarrow.compute  # noqa: F401 - imported for its side effect: loaded once

    _tags(["张伟住在上海市"])


def _tags(values: Iterable[str]) -> list[set[str]]:
    """jieba's part-of-speech tags of each value (nr: person name, ns: place name)."""
    with _pseg_lock:  # jieba's lazy initialisation is not thread-safe
        import jieba
        import jieba.posseg as pseg

        jieba.setLogLevel(60)
        return [{pair.flag for pair in pseg.lcut(v)} for v in values]


def _language_check(detector: Detector, values: list[str], matches: list[bool]) -> float | None:
    """For names and addresses, what jieba says of the matching sample values: None
    vetoes the candidate, else extra confidence. The dictionaries say "could be a name";
    segmentation says whether the text reads as one, and variety says it is not a code
    list (公办/民办 start with surnames too)."""
    if detector.name not in ("person_name", "address"):
        return 0.0
    hits = [v for v, m in zip(values, matches, strict=True) if m]
    if not hits:
        return 0.0
    if len(set(hits)) < max(2, 0.2 * len(hits)):
        return None
    hits = hits[:300]
    tags = _tags(hits)
    if detector.name == "person_name":
        agree = sum("nr" in t for t in tags) / len(hits)
    else:
        agree = sum(
            "ns" in t or any(p in v for p in PROVINCES) for v, t in zip(hits, tags, strict=True)
        ) / len(hits)
    if agree < 0.3:
        return None
    return 0.1 * agree


def _confidence(detector: Detector, share: float, hinted: bool, boost: float) -> float:
    # The detector's own precision, scaled down when only part of the column matches,
    # up a little when the column's name agrees.
    score = detector.precision * min(1.0, share / 0.9) + (0.05 if hinted else 0.0) + boost
    return round(min(1.0, score), 3)


def _sample_ranges(rows: int, sample_rows: int) -> list[tuple[int, int]]:
    """Row-number ranges spread over the file: a few contiguous blocks rather than single
    rows, so DuckDB reads only the row groups holding them (a reservoir sample reads all)."""
    if rows <= sample_rows:
        return [(0, rows - 1)]
    size = sample_rows // SAMPLE_BLOCKS
    stride = rows // SAMPLE_BLOCKS
    jitter = random.Random(rows)  # noqa: S311 - a sample position, not a secret
    return [
        (start, start + size - 1)
        for start in (
            i * stride + jitter.randrange(stride - size + 1) for i in range(SAMPLE_BLOCKS)
        )
    ]


def _candidates(
    table, columns: list[str], types: dict[str, str]
) -> list[tuple[str, Detector, float, bool, float]]:
    """Detectors worth confirming per column, judged on the sample. Each distinct value is
    checked once and weighted by its count: columns of codes and categories repeat a few
    values, which makes the Python checks several times cheaper than per row. Dates,
    decimals and flags hold no identifier; only a detector their name points at (a birth
    date, a coordinate) looks at them."""
    found = []
    for column in columns:
        by_name_only = types.get(column, "VARCHAR") not in TEXT_LIKE
        counted = [
            (entry["values"].as_py(), entry["counts"].as_py())
            for entry in table.column(column).drop_null().value_counts()
        ]
        non_empty = sum(n for _v, n in counted)
        for detector in DETECTORS:
            hinted = detector.hint.search(column) is not None
            if (detector.needs_hint or by_name_only) and not hinted:
                continue
            checks = [detector.check(v) for v, _n in counted]
            matched = sum(n for (_v, n), ok in zip(counted, checks, strict=True) if ok)
            share = matched / non_empty if non_empty else 0.0
            if share < CANDIDATE_SHARE and not hinted:
                continue
            values = [v for v, n in counted for _i in range(n)]
            matches = [ok for (_v, n), ok in zip(counted, checks, strict=True) for _i in range(n)]
            boost = _language_check(detector, values, matches)
            if boost is None and not hinted:
                continue
            found.append((column, detector, share, hinted, boost or 0.0))
    return found


def scan_parquet(path: Path, columns: list[str], *, sample_rows: int = SAMPLE_ROWS) -> Outcome:
    """Findings for each column of the Parquet file at ``path`` that holds personal data
    (or whose name says it does)."""
    started = time.perf_counter()
    if not columns:
        return Outcome([], 0, 0, 0.0)
    source = f"read_parquet({string_literal(str(path))})"
    with Engine([path]) as engine:
        con = engine.con
        # Identifiers are quoted by ident() and the path by string_literal(); S608 cannot
        # see that.
        total = con.execute(f"SELECT count(*) FROM {source}").fetchall()[0][0]  # noqa: S608
        if not total:
            return Outcome([], 0, 0, time.perf_counter() - started)
        items = ", ".join(f"{_value(c)} AS {ident(c)}" for c in columns)
        ranges = " OR ".join(
            f"file_row_number BETWEEN {int(a)} AND {int(b)}"
            for a, b in _sample_ranges(total, sample_rows)
        )
        table = con.sql(
            f"SELECT {items} FROM read_parquet({string_literal(str(path))},"  # noqa: S608
            f" file_row_number = true) WHERE {ranges}"
        ).to_arrow_table()
        sampled = table.num_rows
        types = {
            name: kind
            for name, kind, *_rest in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()  # noqa: S608
        }
        candidates = _candidates(table, columns, types)
        if not candidates:
            return Outcome([], sampled, total, time.perf_counter() - started)
        aggregates = ["count(*)"]
        for column, detector, *_rest in candidates:
            aggregates.append(f"count({_value(column)})")
            aggregates.append(f"count(*) FILTER (WHERE {detector.sql(_value(column))})")
        counts = con.execute(f"SELECT {', '.join(aggregates)} FROM {source}").fetchone()  # noqa: S608
    assert counts is not None  # an aggregate gives one row
    rows = counts[0]
    best: dict[str, Finding] = {}
    for i, (column, detector, sample_share, hinted, boost) in enumerate(candidates):
        non_empty, matched = counts[1 + 2 * i], counts[2 + 2 * i]
        share = matched / non_empty if non_empty else 0.0
        flagged = share >= (TAG_SHARE_HINTED if hinted else TAG_SHARE)
        finding = Finding(
            field=column,
            detector=detector.name,
            sensitivity=detector.sensitivity,
            confidence=_confidence(detector, share, hinted, boost) if flagged else 0.4,
            share=round(share, 4),
            matched=matched,
            non_empty=non_empty,
            sample_share=round(sample_share, 4),
            name_hint=hinted,
            flagged=flagged,
            suggested_mask=detector.suggested_mask,
        )
        # One finding per column: the strongest, flagged ones first.
        current = best.get(column)
        if current is None or (finding.flagged, finding.share * finding.confidence) > (
            current.flagged,
            current.share * current.confidence,
        ):
            best[column] = finding
    ordered = _places(columns, [best[c] for c in columns if c in best])
    return Outcome(ordered, sampled, rows, time.perf_counter() - started)


def _places(columns: list[str], findings: list[Finding]) -> list[Finding]:
    """Coordinates are personal only next to a person: in a table where no column is (or
    is named as) a person's identifier they locate places, and are kept as a finding of
    no sensitivity. The field keeps its detector, so the classification still weighs
    precise locations in security-relevant domains."""
    about_people = any(PERSON_KEY.search(c) for c in columns) or any(
        f.flagged and f.detector in PERSON_IDENTIFIERS for f in findings
    )
    if about_people:
        return findings
    return [
        dataclasses.replace(f, sensitivity=NONE, suggested_mask=None, context="place")
        if f.detector == "coordinates"
        else f
        for f in findings
    ]
