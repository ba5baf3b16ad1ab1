"""Each mask kind's SQL output, the HMAC against Python's, and tightening."""

from __future__ import annotations

import hashlib
import hmac

import duckdb
import pytest

from gongshu.privacy import masks
from gongshu.privacy.services import tighten

VALUES = ["11010519491231002X", "13812345678", "1990-05-17", "310101", "121.473701", None]


def _apply(spec: dict) -> list:
    con = duckdb.connect()
    expr = masks.expression('"v"', spec)
    rows = con.execute(
        f"SELECT {expr} FROM (SELECT unnest(?) AS v, generate_subscripts(?, 1) AS i) ORDER BY i",
        [VALUES, VALUES],
    ).fetchall()
    return [r[0] for r in rows]


def test_it_keeps_first_and_last_characters():
    out = _apply({"kind": "keep", "first": 3, "last": 4})
    assert out[:2] == ["110***********002X", "138****5678"]
    assert out[-1] is None
    assert _apply({"kind": "keep", "first": 6, "last": 6})[3] == "******"  # short: all hidden


def test_the_hash_is_hmac_sha256_under_the_scope_key(settings):
    out = _apply({"kind": "hash", "scope": "42"})
    key = hmac.new(settings.SECRET_KEY.encode(), b"mask:42", hashlib.sha256).digest()
    assert out[0] == hmac.new(key, VALUES[0].encode(), hashlib.sha256).hexdigest()
    assert out[-1] is None
    assert _apply({"kind": "hash", "scope": "43"})[0] != out[0]  # no join across agreements


def test_a_pseudonym_is_consistent_and_not_the_hash():
    first, again = (
        _apply({"kind": "pseudonym", "scope": "1"}),
        _apply({"kind": "pseudonym", "scope": "1"}),
    )
    assert first == again and first[0].startswith("P-") and len(first[0]) == 12
    assert first[0][2:].lower() not in _apply({"kind": "hash", "scope": "1"})[0]


@pytest.mark.parametrize(
    ("to", "index", "expected"),
    [("year", 2, "1990"), ("month", 2, "1990-05"), ("city", 3, "310100"), ("province", 3, "310000"),
     ("grid", 4, 121.47)],
)  # fmt: skip
def test_it_generalizes(to, index, expected):
    assert _apply({"kind": "generalize", "to": to})[index] == expected


def test_age_bands_from_a_birth_date_or_an_age():
    con = duckdb.connect()
    expr = masks.expression('"v"', {"kind": "generalize", "to": "age_band", "width": 10})
    assert con.execute(f"SELECT {expr} FROM (SELECT '42' AS v)").fetchone()[0] == "40-49"
    assert con.execute(f"SELECT {expr} FROM (SELECT '13812345678' AS v)").fetchone()[0] is None


def test_null_and_redact_keep_their_behaviour():
    assert set(_apply({"kind": "null"})) == {None}
    assert set(_apply({"kind": "redact", "text": "▇▇"})) == {"▇▇"}


@pytest.mark.parametrize(
    "spec",
    [{"kind": "rot13"}, {"kind": "keep", "first": -1}, {"kind": "keep", "char": "ab"},
     {"kind": "generalize", "to": "street"}, {"kind": "generalize", "to": "grid", "cell": "1; DROP"}],
)  # fmt: skip
def test_a_bad_spec_fails_closed(spec):
    with pytest.raises(ValueError):
        masks.expression('"v"', spec)


def test_text_in_specs_is_quoted():
    out = _apply({"kind": "redact", "text": "x' || v || '"})
    assert out[0] == "x' || v || '"


def test_a_policy_tightens_but_never_loosens():
    default = {"id": {"kind": "hash"}, "phone": {"kind": "keep", "first": 3, "last": 4}}
    policy = {"id": {"kind": "keep", "first": 6}, "phone": {"kind": "null"}, "x": {"kind": "bad"}}
    merged = tighten(default, policy, agreement_id=9)
    assert merged["id"] == {"kind": "hash", "scope": "9"}
    assert merged["phone"]["kind"] == "null"
    assert merged["x"]["kind"] == "null"  # malformed: fails closed
    sneaky = tighten({}, {"id": {"kind": "hash", "scope": "other"}}, agreement_id=9)
    assert sneaky["id"]["scope"] == "9"


@pytest.mark.parametrize("kind", ["DATE", "TIMESTAMP"])
@pytest.mark.parametrize(
    "spec",
    [{"kind": "generalize", "to": "year"}, {"kind": "generalize", "to": "month"},
     {"kind": "generalize", "to": "age_band", "width": 10}],
)  # fmt: skip
def test_typed_dates_generalize_without_parsing_text_and_alike(kind, spec):
    con = duckdb.connect()
    values = f"SELECT CAST(unnest(['1990-05-17', '1949-12-31 23:59:59', NULL]) AS {kind}) AS v"
    typed = masks.expression('"v"', spec, kind)
    assert "TRY_CAST" not in typed and "VARCHAR" not in typed
    untyped = masks.expression('"v"', spec)
    rows = con.execute(f"SELECT {typed}, {untyped} FROM ({values})").fetchall()
    assert all(fast == slow for fast, slow in rows) and rows[0][0] is not None
