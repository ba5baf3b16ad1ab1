"""Each detector on real-looking values and on look-alikes, and the Python (sample) and
SQL (whole column) versions agreeing on the labelled corpus."""

from __future__ import annotations

import duckdb
import pytest

from gongshu.privacy.corpus import corpus
from gongshu.privacy.detectors import BY_NAME, DETECTORS, hinted

CASES = {
    "resident_id": (["11010519491231002X", "110105491231002"], ["11010519491231002", "110105194912310021", "11010519491331002X"]),
    "credit_code": (["91110000600037341L"], ["91110000600037341M", "11010519491231002X", "ORDER2024010100001"]),
    "phone": (["13812345678", "+86 138-1234-5678", "021-62345678", "(010)87654321"], ["12812345678", "20240101", "1700000000000"]),
    "email": (["li.ming@example.gov.cn"], ["li.ming@", "a@b", "user at example.org"]),
    "bank_card": (["6222020200112233446", "4539578763621486"], ["4539578763621487", "2024010112345678", "620102195905258811"]),
    "passport": (["E12345678", "G12345678", "C12345678", "H1234567801"], ["E1234567", "X12345678"]),
    "licence_plate": (["沪A12345", "粤B·D12345", "京AF0236"], ["plate-0001", "沪12345"]),
    "ip_address": (["192.168.1.20", "2001:db8::1"], ["256.1.1.1", "12:30:45", "1.2.3"]),
    "mac_address": (["00:1A:2B:3C:4D:5E", "00-1a-2b-3c-4d-5e"], ["00:1A:2B:3C:4D", "12:30:45"]),
    "coordinates": (["31.230416,121.473701", "121.473701"], ["31.23", "2024.5"]),
    "birth_date": (["1990-05-17", "19900517"], ["2990-05-17", "1990-13-01"]),
    "person_name": (["张伟", "欧阳娜娜", "王秀英"], ["黄浦区", "上海", "张江镇", "Zhang Wei", "公司"]),
    "address": (["上海市黄浦区南京东路100号", "浙江省杭州市西湖区文三路90号3栋"], ["上海市黄浦区", "南京东路", "黄浦区实验小学"]),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(CASES))
def test_it_finds_positives_and_refuses_look_alikes(name):
    detector = BY_NAME[name]
    positives, negatives = CASES[name]
    con = duckdb.connect()
    for value in positives + negatives:
        expected = value in positives
        assert detector.check(value) is expected, value
        found = con.execute(f"SELECT {detector.sql('v')} FROM (SELECT ? AS v)", [value]).fetchone()
        assert found[0] is expected, value


def test_every_detector_has_cases():
    assert set(CASES) == {d.name for d in DETECTORS}


def test_python_and_sql_agree_on_the_corpus_and_meet_the_targets():
    items = corpus(150)
    con = duckdb.connect()
    con.execute("CREATE TABLE c (i INTEGER, v VARCHAR, label VARCHAR)")
    con.executemany(
        "INSERT INTO c VALUES (?, ?, ?)", [(i, v, lab) for i, (v, lab) in enumerate(items)]
    )
    for name in ("resident_id", "credit_code", "phone", "bank_card", "email"):
        detector = BY_NAME[name]
        sql = [
            r[0] for r in con.execute(f"SELECT {detector.sql('v')} FROM c ORDER BY i").fetchall()
        ]
        assert sql == [detector.check(v) for v, _label in items], name
        tp = sum(s and lab == name for s, (_v, lab) in zip(sql, items, strict=True))
        fp = sum(s and lab != name for s, (_v, lab) in zip(sql, items, strict=True))
        fn = sum(not s and lab == name for s, (_v, lab) in zip(sql, items, strict=True))
        assert tp / (tp + fp) >= 0.98 and tp / (tp + fn) >= 0.98, name


def test_column_names_hint_their_content():
    assert [d.name for d in hinted("身份证号")] == ["resident_id"]
    assert "phone" in [d.name for d in hinted("手机号")]
    assert "person_name" in [d.name for d in hinted("姓名")]
    assert "address" in [d.name for d in hinted("居住地址")]
    assert "resident_id" in [d.name for d in hinted("id_card")]
