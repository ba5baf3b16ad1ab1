"""The bulk keyed hash (siphash.py): SipHash-2-4 as its authors define it, the same for
every layout of the column, and the count it feeds equal to the exact distinct count."""

from __future__ import annotations

import logging

import duckdb
import numpy as np
import pyarrow as pa
import pytest

from gongshu.transfer import hashsets, siphash
from tests.transfer.world import at, count, declare, make_people

KEY = bytes(range(16))


def test_the_papers_test_vector():
    # Aumasson & Bernstein, "SipHash: a fast short-input PRF", appendix A: key 00..0f,
    # message 00..0e → a129ca6149be45e5.
    assert int(siphash.hash_bytes(KEY, [bytes(range(15))])[0]) == 0xA129CA6149BE45E5


def test_the_reference_vectors_of_every_length_up_to_eight():
    # The first vectors of the reference implementation's vectors.h (message 00..len-1).
    expected = [
        0x726FDB47DD0E0E31,
        0x74F839C593DC67FD,
        0x0D6C8009D9A94F5A,
        0x85676696D7FB7E2D,
        0xCF2794E0277187B7,
        0x18765564CD99A68D,
        0xCBC9466E58FEE3CE,
        0xAB0200F58B01D137,
        0x93F5F5799A932462,
    ]
    got = siphash.hash_bytes(KEY, [bytes(range(n)) for n in range(9)])
    assert [int(x) for x in got] == expected


def test_mixed_lengths_chunks_threads_and_slices_agree_with_one_at_a_time(monkeypatch):
    monkeypatch.setattr(siphash, "CHUNK", 7)
    values = [f"phone:1{i:010d}" if i % 3 else f"email:p{i}@example.cn" for i in range(100)]
    one_by_one = [int(siphash.hash_bytes(KEY, [v.encode()])[0]) for v in values]
    column = pa.array(values)
    assert siphash.hash_array(KEY, column).tolist() == one_by_one
    assert siphash.hash_array(KEY, column, threads=2).tolist() == one_by_one
    assert siphash.hash_array(KEY, column.slice(10)).tolist() == one_by_one[10:]
    chunked = pa.chunked_array([column.slice(0, 30), column.slice(30)])
    assert siphash.hash_array(KEY, chunked).tolist() == one_by_one
    other = siphash.hash_array(bytes(16), column)
    assert not np.any(other == np.array(one_by_one, np.uint64))


def test_a_wrong_key_or_a_null_is_refused():
    with pytest.raises(ValueError, match="16-byte"):
        siphash.hash_array(b"short", pa.array(["a"]))
    with pytest.raises(ValueError, match="nulls"):
        siphash.hash_array(KEY, pa.array(["a", None]))


def test_the_fast_count_equals_the_exact_distinct_count(department_clerk, transport_bureau):
    # Two resources sharing people 501..1000: the year's union must be the exact distinct
    # count of the raw identifiers, computed here without any hash.
    first = make_people(transport_bureau, "people-f1", 1, 1_000)
    second = make_people(transport_bureau, "people-f2", 501, 1_700)
    a = count(
        department_clerk, declare(department_clerk, [first], fields=["phone"]), at(2026, 3, 1)
    )
    b = count(
        department_clerk,
        declare(department_clerk, [second], fields=["phone", "diagnosis"]),
        at(2026, 3, 2),
    )
    exact = duckdb.sql(
        "SELECT count(DISTINCT i), count(DISTINCT i) FILTER (WHERE i >= 501 AND i % 10 = 0)"
        " FROM range(1, 1701) t(i)"
    ).fetchall()[0]
    assert (a.own_non_sensitive, a.own_sensitive) == (1_000, 0)
    assert (b.own_non_sensitive, b.own_sensitive) == (1_200, 120)
    assert (b.year_non_sensitive, b.year_sensitive) == exact


def test_the_key_is_in_no_file_nor_log(department_clerk, transport_bureau, caplog):
    people = make_people(transport_bureau, "people-k", 1, 200)
    with caplog.at_level(logging.DEBUG):
        declaration = count(department_clerk, declare(department_clerk, [people]), at(2026, 4, 1))
    key = hashsets.key()
    folder = hashsets.year_dir("sh-transport", 2026)
    written = b"".join(p.read_bytes() for p in folder.iterdir())
    assert declaration.own_non_sensitive == 200
    for secret in (key[:16], key, key.hex().encode(), key[:16].hex().encode()):
        assert secret not in written
        assert secret.decode("latin-1") not in caplog.text
