"""Each mask kind's SQL output, the HMAC against Python's, and tightening."""

from __future__ import annotations

import hashlib
import hmac

import duckdb
import pytest

from gongshu.gate import copies
from gongshu.policy import masks
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


def test_age_bands_count_in_the_year_the_spec_names_or_this_year():
    con = duckdb.connect()
    born = "SELECT DATE '1990-12-31' AS v"
    spec = {"kind": "generalize", "to": "age_band", "width": 10}
    at = {
        year: con.execute(
            f"SELECT {masks.expression('v', {**spec, 'year': year})} FROM ({born})"
        ).fetchone()[0]
        for year in (2019, 2020, 2039)
    }
    assert at == {2019: "20-29", 2020: "30-39", 2039: "40-49"}
    this_year = masks.expression("v", spec, "DATE")
    assert (
        con.execute(f"SELECT {this_year} FROM ({born})").fetchone()[0]
        == con.execute(
            f"SELECT {masks.expression('v', {**spec, 'year': masks.reference_year()})} FROM ({born})"
        ).fetchone()[0]
    )
    with pytest.raises(ValueError, match="year"):
        masks.validate({**spec, "year": "2020; DROP"})


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


# What every mask returned for these inputs when gate.copies.FORMAT took its value.
# Masked copies keep those outputs: when this digest changes, old copies hold values the
# masks no longer give, so bump FORMAT and record the new digest under it.
OUTPUTS_AT_FORMAT = {1: "39f1c98d7c9e50ba8613f02062a5f806186cc38857e30743e21d1508c4fc6487"}
FINGERPRINT_SPECS = [
    {"kind": "null"},
    {"kind": "redact"},
    {"kind": "redact", "text": "▇▇"},
    {"kind": "keep", "first": 3, "last": 4},
    {"kind": "keep", "first": 1, "last": 0, "char": "#"},
    {"kind": "hash", "scope": "42"},
    {"kind": "pseudonym", "scope": "42"},
    *({"kind": "generalize", "to": to} for to in ("month", "year", "city", "province")),
    {"kind": "generalize", "to": "grid", "cell": 0.5},
    {"kind": "generalize", "to": "age_band", "width": 5, "year": 2030},
]
TYPED = {"DATE": "DATE '1961-02-28'", "TIMESTAMP": "TIMESTAMP '2001-07-04 23:59:59'"}


def test_mask_outputs_are_those_masked_copies_were_written_with(settings):
    settings.SECRET_KEY = "a-fixed-key-for-the-mask-fingerprint-" + "k" * 20
    outputs = []
    for spec in FINGERPRINT_SPECS:
        outputs.append(_apply(spec))
        for kind, literal in TYPED.items():
            expr = masks.expression("v", spec, kind)
            outputs.append(
                duckdb.connect().execute(f"SELECT {expr} FROM (SELECT {literal} AS v)").fetchall()
            )
    digest = hashlib.sha256(repr(outputs).encode()).hexdigest()
    assert OUTPUTS_AT_FORMAT.get(copies.FORMAT) == digest, (
        "a mask now returns other values than the masked copies on disk hold: bump "
        "gate.copies.FORMAT and record this digest under the new number: " + digest
    )
