"""Scan one Parquet version for personal data: detectors run in Python on a sample, and
each candidate is then confirmed over the whole column in one DuckDB aggregate pass with
the detector's SQL predicate. The sample keeps the Python work (stdnum, jieba) bounded;
the SQL pass makes the share exact, so a column that only looked personal in a lucky
sample is not tagged, and one that is personal throughout gets its true share.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from gongshu.privacy.detectors import DETECTORS, Detector
from gongshu.privacy.lexicon import PROVINCES
from gongshu.tabular.duck import Engine, ident, string_literal

SAMPLE_ROWS = 2000
# A detector is a candidate when this share of the sample matches (or the name hints it).
CANDIDATE_SHARE = 0.3
# The share of a column's non-empty values that must match for the column to be tagged;
# lower when its name says the same (a name column with some company names in it).
TAG_SHARE = 0.6
TAG_SHARE_HINTED = 0.3
SCAN_VERSION = 1  # bump when detectors change, so old results can be told apart


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
        items = ", ".join(f"{_value(c)} AS {ident(c)}" for c in columns)
        table = con.sql(
            f"SELECT {items} FROM {source} USING SAMPLE reservoir({int(sample_rows)} ROWS)"  # noqa: S608
            " REPEATABLE (11)"
        ).to_arrow_table()
        sampled = table.num_rows
        candidates: list[tuple[str, Detector, float, bool, float]] = []
        for column in columns:
            values = [v for v in table.column(column).to_pylist() if v is not None]
            for detector in DETECTORS:
                hinted = detector.hint.search(column) is not None
                if detector.needs_hint and not hinted:
                    continue
                matches = [detector.check(v) for v in values]
                share = sum(matches) / len(values) if values else 0.0
                if share < CANDIDATE_SHARE and not hinted:
                    continue
                boost = _language_check(detector, values, matches)
                if boost is None and not hinted:
                    continue
                candidates.append((column, detector, share, hinted, boost or 0.0))
        if not candidates:
            return Outcome([], sampled, 0, time.perf_counter() - started)
        aggregates = ["count(*)"]
        for column, detector, *_rest in candidates:
            aggregates.append(f"count({_value(column)})")
            aggregates.append(f"count(*) FILTER (WHERE {detector.sql(_value(column))})")
        counts = con.execute(f"SELECT {', '.join(aggregates)} FROM {source}").fetchone()  # noqa: S608
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
    ordered = [best[c] for c in columns if c in best]
    return Outcome(ordered, sampled, rows, time.perf_counter() - started)
