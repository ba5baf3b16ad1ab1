"""Detectors of personal data, each written twice: in Python for the sample (python-stdnum
where it exists) and as a DuckDB SQL predicate for the confirmation over the whole column.
The SQL versions are plain arithmetic over substrings — no Python UDF — so a full-column
pass stays a vectorized scan. ``tests/privacy/test_detectors.py`` checks that both
versions agree on the labelled corpus of ``benchmarks/privacy_detectors.py``.

Every SQL predicate takes ``v``: an expression yielding the trimmed VARCHAR value.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass

from stdnum.cn import ric, uscc

from gongshu.privacy import lexicon

PERSONAL, SENSITIVE, NONE = "personal", "sensitive_personal", "none"


@dataclass(frozen=True)
class Detector:
    name: str
    sensitivity: str
    # The value test on the sample (Python) and over the whole column (DuckDB SQL).
    check: Callable[[str], bool]
    sql: Callable[[str], str]
    # Column names that point at this kind of data (lower-cased, searched).
    hint: re.Pattern
    # How sure a matching value makes us; look-alikes keep formats without checksums lower.
    precision: float
    # The mask suggested for a public release.
    suggested_mask: dict | None
    # Numbers and dates are everywhere; these count only when the column name says so.
    needs_hint: bool = False


def _full(pattern: str) -> Callable[[str], bool]:
    compiled = re.compile(pattern)
    return lambda value: compiled.fullmatch(value) is not None


def _sql_full(pattern: str) -> Callable[[str], str]:
    return lambda v: f"regexp_full_match({v}, '{pattern}')"


def _digit(v: str, i: int) -> str:
    # ord() never fails, unlike CAST, so the predicate is safe on rows the regex rejects.
    return f"(ord(substr({v}, {i}, 1)) - 48)"


# --- resident identity card (GB 11643) ------------------------------------------------

_RIC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RIC18 = r"[1-9]\d{5}(18|19|20)\d{2}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{3}[0-9Xx]"
_RIC15 = r"[1-9]\d{7}(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])\d{3}"


def _date_ok(text: str) -> bool:
    try:
        dt.datetime.strptime(text, "%Y%m%d")
    except ValueError:
        return False
    return True


def is_resident_id(value: str) -> bool:
    if len(value) == 18:
        # stdnum's is_valid also wants the region in its GB/T 2260 list, which misses
        # codes retired or renumbered since; the check character is what we rely on.
        return (
            re.fullmatch(_RIC18, value) is not None
            and _date_ok(value[6:14])
            and ric.calc_check_digit(value[:17] + "0") == value[17].upper()
        )
    # The 15-digit form (before 1999) has a two-digit year of the 1900s and no check.
    return re.fullmatch(_RIC15, value) is not None and _date_ok("19" + value[6:12])


def resident_id_sql(v: str) -> str:
    # CASE, not AND: DuckDB evaluates only the rows the WHEN selects, so the arithmetic
    # runs on values of the right shape alone (AND evaluates both sides on every row).
    total = " + ".join(f"{_digit(v, i + 1)} * {w}" for i, w in enumerate(_RIC_WEIGHTS))
    return (
        f"(CASE WHEN regexp_full_match({v}, '{_RIC18}')"
        f" THEN try_strptime(substr({v}, 7, 8), '%Y%m%d') IS NOT NULL"
        f" AND substr('10X98765432', (({total}) % 11) + 1, 1) = upper(substr({v}, 18, 1))"
        f" WHEN regexp_full_match({v}, '{_RIC15}')"
        f" THEN try_strptime('19' || substr({v}, 7, 6), '%Y%m%d') IS NOT NULL"
        f" ELSE false END)"
    )


# --- unified social credit code (GB 32100) --------------------------------------------

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
# Registration authority (1–9, A, N, Y), category (1–9), region (first digit 1–8), then
# the organization code and the check character. An 18-digit resident ID would pass the
# check one time in 31, so a valid ID is never taken for a credit code.
_USCC = r"[1-9ANY][1-9][1-8]\d{5}[0-9A-HJ-NPQRTUWXY]{10}"


def is_credit_code(value: str) -> bool:
    return (
        re.fullmatch(_USCC, value) is not None
        and uscc.is_valid(value)
        and not is_resident_id(value)
    )


def credit_code_sql(v: str) -> str:
    total = " + ".join(
        f"(strpos('{_USCC_ALPHABET}', substr({v}, {i + 1}, 1)) - 1) * {w}"
        for i, w in enumerate(_USCC_WEIGHTS)
    )
    return (
        f"(CASE WHEN regexp_full_match({v}, '{_USCC}')"
        f" THEN substr('{_USCC_ALPHABET}', ((31 - (({total}) % 31)) % 31) + 1, 1)"
        f" = substr({v}, 18, 1) AND NOT {resident_id_sql(v)} ELSE false END)"
    )


# --- phones ---------------------------------------------------------------------------

_MOBILE = r"(\+?86)?1[3-9]\d{9}"
# A fixed line needs its area code, else every 7- or 8-digit number would look like one.
_FIXED = r"(\(0\d{2,3}\)\s?|0\d{2,3}[- ])[2-9]\d{6,7}(-\d{1,5})?"


def is_phone(value: str) -> bool:
    compact = re.sub(r"[\s-]", "", value)
    return re.fullmatch(_MOBILE, compact) is not None or re.fullmatch(_FIXED, value) is not None


def phone_sql(v: str) -> str:
    return (
        f"(regexp_full_match(regexp_replace({v}, '[\\s-]', '', 'g'), '{_MOBILE}')"
        f" OR regexp_full_match({v}, '{_FIXED}'))"
    )


# --- bank cards (Luhn) ----------------------------------------------------------------

# UnionPay 62, Visa 4, Mastercard 51–55 and 2221–2720 are omitted on purpose: a leading 2
# is what order numbers and timestamps start with. Amex 34/37, JCB 35.
_CARD = r"(62\d{14,17}|4\d{15}(\d{3})?|5[1-5]\d{14}|3[47]\d{13}|35\d{14})"


def luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        d = ord(char) - 48
        if position % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def is_bank_card(value: str) -> bool:
    compact = value.replace(" ", "")
    # Gansu's resident IDs start with 62 and pass Luhn one time in ten.
    return (
        re.fullmatch(_CARD, compact) is not None
        and luhn_ok(compact)
        and not is_resident_id(compact)
    )


def bank_card_sql(v: str) -> str:
    # Luhn unrolled over the at most 19 positions, counted from the right: a lambda over
    # range() costs a list per row, thirty times slower.
    c = f"replace({v}, ' ', '')"
    terms = []
    for p in range(19):
        d = f"(ord(substr({c}, length({c}) - {p}, 1)) - 48)"
        value = f"(CASE WHEN {d} > 4 THEN {d} * 2 - 9 ELSE {d} * 2 END)" if p % 2 else d
        terms.append(value if p < 13 else f"(CASE WHEN length({c}) > {p} THEN {value} ELSE 0 END)")
    return (
        f"(CASE WHEN regexp_full_match({c}, '{_CARD}')"
        f" THEN ({' + '.join(terms)}) % 10 = 0 AND NOT {resident_id_sql(c)} ELSE false END)"
    )


# --- the rest: formats without a check character -------------------------------------

_EMAIL = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
# Passport (E/G), exit-entry permit to HK/Macao (C), to Taiwan (L), home-return permits of
# HK/Macao residents (H/M).
_PASSPORT = r"(E[0-9A-HJ-NP-Z]\d{7}|G\d{8}|C[0-9A-HJ-NP-Z]\d{7}|L\d{8}|[HM]\d{8}(\d{2})?)"
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE = rf"[{_PROVINCES}][A-HJ-NP-Z]·?[A-HJ-NP-Z0-9]{{4,5}}[A-HJ-NP-Z0-9挂学警港澳]"
_OCTET = r"(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = rf"({_OCTET}\.){{3}}{_OCTET}"
_IPV6 = r"([0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}|[0-9a-fA-F:]*::[0-9a-fA-F:]*"
_MAC = r"([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}"
_COORD_PAIR = r"-?\d{1,3}\.\d{4,},\s*-?\d{1,3}\.\d{4,}"
# Precise means four or more decimals (about 10 m); city-level coordinates are not.
_COORD_ONE = r"-?\d{1,3}\.\d{4,}"


def is_ip(value: str) -> bool:
    if re.fullmatch(_IPV4, value):
        return True
    if ":" not in value:
        return False
    try:
        ipaddress.IPv6Address(value)
    except ValueError:
        return False
    return re.fullmatch(_IPV6, value) is not None


def ip_sql(v: str) -> str:
    return f"(regexp_full_match({v}, '{_IPV4}') OR regexp_full_match({v}, '{_IPV6}'))"


def is_coordinate(value: str) -> bool:
    if re.fullmatch(_COORD_PAIR, value):
        return True
    return re.fullmatch(_COORD_ONE, value) is not None and abs(float(value)) <= 180


def coordinate_sql(v: str) -> str:
    return (
        f"(regexp_full_match({v}, '{_COORD_PAIR}') OR (regexp_full_match({v}, '{_COORD_ONE}')"
        f" AND abs(TRY_CAST({v} AS DOUBLE)) <= 180))"
    )


def _birth_date(value: str) -> dt.date | None:
    for fmt in ("%Y-%m-%d", "%Y%m%d", "%Y/%m/%d", "%Y年%m月%d日"):
        try:
            return dt.datetime.strptime(value[:10] if fmt == "%Y-%m-%d" else value, fmt).date()
        except ValueError:
            continue
    return None


def is_birth_date(value: str) -> bool:
    born = _birth_date(value)
    return born is not None and dt.date(1900, 1, 1) <= born <= dt.date.today()


def birth_date_sql(v: str) -> str:
    parsed = (
        f"coalesce(TRY_CAST(substr({v}, 1, 10) AS DATE),"
        f" CAST(try_strptime({v}, '%Y%m%d') AS DATE), CAST(try_strptime({v}, '%Y/%m/%d') AS DATE))"
    )
    return f"coalesce({parsed} BETWEEN DATE '1900-01-01' AND current_date, false)"


# --- names and addresses: dictionaries; jieba adds its tags on the sample (scan.py) ----


def is_person_name(value: str) -> bool:
    if not re.fullmatch(r"[\u4e00-\u9fff·]{2,4}", value) or value[-1] in lexicon.NOT_NAME_ENDINGS:
        return False
    return value[0] in lexicon.SURNAMES or value[:2] in lexicon.COMPOUND_SURNAMES


def person_name_sql(v: str) -> str:
    # One RE2 pattern (a character class of surnames) rather than list_contains over a
    # 400-element list: the full-column pass costs a tenth as much.
    single = "".join(sorted(lexicon.SURNAMES))
    double = "|".join(sorted(lexicon.COMPOUND_SURNAMES))
    han = "[\\x{4e00}-\\x{9fff}·]"
    endings = "".join(sorted(lexicon.NOT_NAME_ENDINGS))
    return (
        f"(regexp_full_match({v}, '(?:(?:{double}){han}{{0,2}}|[{single}]{han}{{1,3}})')"
        f" AND NOT regexp_matches({v}, '[{endings}]$'))"
    )


# Division, then street, then a number: 上海市黄浦区南京东路100号, 朝阳区建国路88号3栋.
_ADDRESS = (
    r"[\x{4e00}-\x{9fff}]{2,}(省|市|区|县|旗|镇|乡|街道)[\x{4e00}-\x{9fff}A-Za-z0-9]*"
    r"(路|街|巷|弄|道|村|里|胡同|小区|大厦|广场)[\x{4e00}-\x{9fff}A-Za-z0-9]*\d+\s*(号|弄|室|栋|幢|单元|楼)"
)
_ADDRESS_PY = re.compile(_ADDRESS.replace(r"\x{4e00}", "\u4e00").replace(r"\x{9fff}", "\u9fff"))


def is_address(value: str) -> bool:
    return _ADDRESS_PY.search(value) is not None


def address_sql(v: str) -> str:
    return f"regexp_matches({v}, '{_ADDRESS}')"


def _hint(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.IGNORECASE)


DETECTORS: tuple[Detector, ...] = (
    Detector(
        "resident_id", SENSITIVE, is_resident_id, resident_id_sql,
        _hint(r"身份证|证件号|公民身份|id_?card|id_?no|idnumber|sfz|resident_id"),
        0.99, {"kind": "hash"},
    ),
    Detector(
        "credit_code", NONE, is_credit_code, credit_code_sql,
        _hint(r"信用代码|uscc|credit_?code|社会信用"), 0.99, None,
    ),
    Detector(
        "phone", PERSONAL, is_phone, phone_sql,
        _hint(r"手机|电话|联系方式|phone|mobile|tel"), 0.98, {"kind": "keep", "first": 3, "last": 4},
    ),
    Detector(
        "email", PERSONAL, _full(_EMAIL), _sql_full(_EMAIL),
        _hint(r"邮箱|电子邮件|e-?mail"), 0.99, {"kind": "keep", "first": 1, "last": 0},
    ),
    Detector(
        "bank_card", SENSITIVE, is_bank_card, bank_card_sql,
        _hint(r"银行卡|卡号|账号|bank|card_?no|account"), 0.95, {"kind": "keep", "first": 0, "last": 4},
    ),
    Detector(
        "passport", SENSITIVE, _full(_PASSPORT), _sql_full(_PASSPORT),
        _hint(r"护照|通行证|回乡证|passport|permit"), 0.9, {"kind": "hash"},
    ),
    Detector(
        "licence_plate", PERSONAL, _full(_PLATE), _sql_full(_PLATE),
        _hint(r"车牌|号牌|plate"), 0.95, {"kind": "keep", "first": 2, "last": 0},
    ),
    Detector(
        "ip_address", PERSONAL, is_ip, ip_sql,
        _hint(r"(^|_)ip($|_)|ip地址|ip_?addr"), 0.95, {"kind": "redact"},
    ),
    Detector(
        "mac_address", PERSONAL, _full(_MAC), _sql_full(_MAC),
        _hint(r"mac"), 0.95, {"kind": "redact"},
    ),
    Detector(
        "coordinates", PERSONAL, is_coordinate, coordinate_sql,
        _hint(r"经度|纬度|坐标|^lat|^lon|^lng|latitude|longitude|coord|location"),
        0.9, {"kind": "generalize", "to": "grid", "cell": 0.01}, needs_hint=True,
    ),
    Detector(
        "birth_date", PERSONAL, is_birth_date, birth_date_sql,
        _hint(r"出生|生日|birth|dob"), 0.9, {"kind": "generalize", "to": "year"}, needs_hint=True,
    ),
    Detector(
        "person_name", PERSONAL, is_person_name, person_name_sql,
        _hint(r"姓名|联系人|负责人|申请人|^name$|_name$|person|full_?name"),
        0.85, {"kind": "keep", "first": 1, "last": 0},
    ),
    Detector(
        "address", PERSONAL, is_address, address_sql,
        _hint(r"地址|住址|居住地|户籍地|address|addr"), 0.9, {"kind": "keep", "first": 6, "last": 0},
    ),
)  # fmt: skip

BY_NAME: dict[str, Detector] = {d.name: d for d in DETECTORS}

# Detectors whose values point at one person. Coordinates are personal information only
# in a table that has one of these (or a column named like a person's key): the lat/lon
# of airports, stations or schools locate places, not people (PIPL art. 4).
PERSON_IDENTIFIERS = frozenset(
    {"resident_id", "phone", "email", "bank_card", "passport", "licence_plate",
     "person_name", "ip_address", "mac_address"}
)  # fmt: skip
PERSON_KEY = _hint(
    r"(user|person|people|customer|client|member|patient|passenger|driver|employee|"
    r"resident|citizen|student|traveller|traveler)_?(id|no|number|code)$|"
    r"(用户|人员|个人|居民|市民|患者|病人|乘客|旅客|司机|驾驶员|会员|员工|职工|客户|学生)"
    r"(编号|编码|id|号|代码)$"
)


def hinted(column: str) -> list[Detector]:
    """Detectors the column's name points at, most specific first."""
    return [d for d in DETECTORS if d.hint.search(column)]
