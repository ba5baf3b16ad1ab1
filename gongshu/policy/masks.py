"""Masks as SQL: each kind turns a quoted column into the DuckDB expression that replaces
it in the gated SELECT, so raw values never reach Python. Specs are plain data
(``{"kind": "keep", "first": 3, "last": 4}``) that policies, defaults and the gate pass
around; ``validate`` checks one and returns it normalised, and an unknown or malformed
spec fails closed with ValueError.

Keyed hashes are real HMAC-SHA-256, written in SQL with DuckDB's native ``sha256`` over
the standard ipad/opad construction — two vectorized hashes per value, no Python UDF. The
key is per scope: ``HMAC(SECRET_KEY, "mask:" + scope)``, where the gate sets the scope to
the agreement id (``tighten(..., agreement_id=)``), so hashed values join within one
agreement but not across agreements; public releases use the scope ``public``.

Generalizing a date needs the column's DuckDB type to be cheap: a DATE or TIMESTAMP
column goes straight to the date functions, anything else is formatted as text and
parsed (bad values become null). Reads under a Decision that masks usually read a masked
copy instead (tabular/masked_copies.py), written once by these same expressions.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

from django.conf import settings
from django.utils import timezone

from gongshu.policy.sql import string_literal

KINDS = ("null", "redact", "keep", "hash", "pseudonym", "generalize")
GENERALIZE_TO = ("age_band", "month", "year", "city", "province", "grid")
# Generalizations of dates; their expression depends on the column's type (``_moment``).
DATED = ("year", "month", "age_band")
# How much a kind hides, for tightening: the stricter of two specs wins.
STRICTNESS = {"keep": 1, "generalize": 1, "pseudonym": 2, "hash": 3, "redact": 4, "null": 5}


def _int(spec: dict, key: str, default: int, low: int, high: int) -> int:
    value = spec.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"mask {spec.get('kind')}: {key} must be a whole number {low}–{high}")
    return value


def validate(spec: object) -> dict:
    """The spec with its defaults filled in; ValueError says what is wrong."""
    if not isinstance(spec, dict):
        raise ValueError("a mask is an object with a kind")
    kind = spec.get("kind")
    if kind not in KINDS:
        raise ValueError(f"unknown mask kind {kind!r}")
    out: dict = {"kind": kind}
    if kind == "redact":
        out["text"] = str(spec.get("text", "***"))[:40]
    elif kind == "keep":
        out["first"] = _int(spec, "first", 0, 0, 64)
        out["last"] = _int(spec, "last", 0, 0, 64)
        char = str(spec.get("char", "*"))
        if len(char) != 1:
            raise ValueError("mask keep: char is one character")
        out["char"] = char
    elif kind == "pseudonym":
        out["prefix"] = str(spec.get("prefix", "P-"))[:16]
    elif kind == "generalize":
        to = spec.get("to")
        if to not in GENERALIZE_TO:
            raise ValueError(f"mask generalize: to is one of {', '.join(GENERALIZE_TO)}")
        out["to"] = to
        if to == "age_band":
            out["width"] = _int(spec, "width", 10, 1, 100)
            if spec.get("year") is not None:
                out["year"] = _int(spec, "year", 0, 1900, 2200)
        if to == "grid":
            cell = spec.get("cell", 0.01)
            if isinstance(cell, bool) or not isinstance(cell, int | float) or not 0 < cell <= 10:
                raise ValueError("mask generalize grid: cell is a number of degrees, 0–10")
            out["cell"] = float(cell)
    if kind in ("hash", "pseudonym") and spec.get("scope") is not None:
        out["scope"] = str(spec["scope"])
    return out


def scope_key(scope: str) -> bytes:
    """The HMAC key of one scope, derived from SECRET_KEY: nothing to store or rotate
    separately, and a leaked key exposes one agreement's pseudonyms only."""
    return hmac.new(settings.SECRET_KEY.encode(), f"mask:{scope}".encode(), hashlib.sha256).digest()


def hmac_sql(value: str, key: bytes) -> str:
    """HMAC-SHA-256 (RFC 2104) of the VARCHAR ``value`` as lower-case hex, in DuckDB SQL.
    The padded keys are hex literals in the text of the server's own queries only: the
    gated SELECT (``gate.source.select_sql``) of the rows API, exports, charts and CKAN
    reads, and of the masked copies that ``tabular.masked_copies`` writes; they are never
    logged. Untrusted read-only SQL never sees them: the sandbox (engine/sandbox.py) gets
    the Decision's masked copy, hashes already computed, behind a view over a bare file
    name, so no view or setting it can print holds a key."""
    block = key.ljust(64, b"\0")  # keys are 32 bytes, shorter than SHA-256's block
    inner = bytes(b ^ 0x36 for b in block).hex()
    outer = bytes(b ^ 0x5C for b in block).hex()
    return f"sha256(unhex('{outer}') || unhex(sha256(unhex('{inner}') || encode({value}))))"


def reference_year() -> int:
    """The year ages are counted in when a spec names none: this year in the platform's
    time zone (TIME_ZONE), not DuckDB's."""
    return timezone.localdate().year


def _text(column: str) -> str:
    return f"CAST({column} AS VARCHAR)"


def _null(column: str, spec: dict) -> str:
    return "NULL"


def _redact(column: str, spec: dict) -> str:
    # The text even where the value is null: a redacted column says nothing, not even that.
    return string_literal(spec["text"])


def _keep(column: str, spec: dict) -> str:
    v, first, last = _text(column), spec["first"], spec["last"]
    char = string_literal(spec["char"])
    hidden = f"length({v}) - {first + last}"
    return (
        f"CASE WHEN {column} IS NULL THEN NULL WHEN length({v}) <= {first + last}"
        f" THEN repeat({char}, length({v})) ELSE left({v}, {first}) || repeat({char}, {hidden})"
        f" || right({v}, {last}) END"
    )


def _hash(column: str, spec: dict) -> str:
    return hmac_sql(_text(column), scope_key(spec.get("scope", "public")))


def _pseudonym(column: str, spec: dict) -> str:
    # A separate derived key, so a pseudonym is not a prefix of the same field's hash.
    key = scope_key("pseudonym:" + spec.get("scope", "public"))
    digest = hmac_sql(_text(column), key)
    return f"({string_literal(spec['prefix'])} || upper(substr({digest}, 1, 10)))"


# Types whose values generalize by date arithmetic on the value itself, not on its text.
TEMPORAL = ("DATE", "TIMESTAMP")


def _moment(column: str, kind: str | None) -> str:
    """The value as a date or timestamp: itself when typed so, else its text parsed (a bad
    value becomes NULL). Formatting a typed date to text and parsing it back costs 5× the
    date function, so the column's DuckDB type, when known, picks the direct path."""
    if kind in TEMPORAL:
        return column
    return f"TRY_CAST({_text(column)} AS TIMESTAMP)"


def _generalize(column: str, spec: dict, kind: str | None = None) -> str:
    v = _text(column)
    moment = _moment(column, kind)
    to = spec["to"]
    if to == "year":
        return f"strftime({moment}, '%Y')"
    if to == "month":
        return f"strftime({moment}, '%Y-%m')"
    if to in ("city", "province"):
        keep = 4 if to == "city" else 2
        zeros = "0" * (6 - keep)
        return (
            f"CASE WHEN regexp_full_match({v}, '\\d{{6}}') THEN left({v}, {keep}) || '{zeros}' END"
        )
    if to == "age_band":
        width = spec["width"]
        # A birth date (or timestamp) gives the age reached in the spec's year (this year
        # unless it names one); a number is taken as the age.
        age = f"({spec.get('year') or reference_year()} - year({moment}))"
        if kind not in TEMPORAL:
            age = f"coalesce({age}, TRY_CAST({v} AS DOUBLE))"
        low = f"CAST(floor({age} / {width}) * {width} AS INTEGER)"
        # Out-of-range "ages" (a phone number in the wrong column) become null, not errors.
        return f"CASE WHEN {age} BETWEEN 0 AND 150 THEN {low} || '-' || ({low} + {width - 1}) END"
    cell = repr(spec["cell"])
    number = f"TRY_CAST({v} AS DOUBLE)"
    return f"round(floor({number} / {cell}) * {cell}, 6)"


# Masked copies (tabular/masked_copies.py) keep what these expressions returned: when one
# returns something else for the same spec, bump masked_copies.FORMAT.
BUILDERS: dict[str, Callable[[str, dict], str]] = {
    "null": _null,
    "redact": _redact,
    "keep": _keep,
    "hash": _hash,
    "pseudonym": _pseudonym,
    "generalize": _generalize,
}


def expression(column: str, spec: dict, kind: str | None = None) -> str:
    """The SQL expression that replaces the quoted ``column``; the column itself when the
    spec is empty. ``kind`` is the column's DuckDB type when the caller knows it."""
    if not spec:
        return column
    spec = validate(spec)
    if spec["kind"] == "generalize":
        return _generalize(column, spec, kind)
    return BUILDERS[spec["kind"]](column, spec)


def needs_type(spec: dict) -> bool:
    """Whether the expression for ``spec`` is cheaper when the column's type is known."""
    return bool(spec) and spec.get("kind") == "generalize" and spec.get("to") in DATED


def stricter(a: dict | None, b: dict | None) -> dict | None:
    """The spec that hides more; ``b`` on a tie (the more specific rule)."""
    if not a:
        return b or None
    if not b:
        return a
    return b if STRICTNESS[b["kind"]] >= STRICTNESS[a["kind"]] else a
