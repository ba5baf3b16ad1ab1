"""A labelled corpus for the detectors: valid values, values with a wrong check character,
and look-alikes (order numbers, timestamps, amounts, codes). Seeded, so the benchmark
(benchmarks/privacy_detectors.py) and the tests measure the same thing.

Each item is ``(value, label)``; the label is the detector that should fire, or ``""``.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from stdnum.cn import ric, uscc

from gongshu.privacy.detectors import luhn_ok

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_REGIONS = ["110105", "310101", "440305", "320102", "510104", "620102", "650102", "330106"]


def _digits(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(n))


def _ric(rng: random.Random) -> str:
    born = date(1930, 1, 1) + timedelta(days=rng.randrange(0, 365 * 90))
    body = f"{rng.choice(_REGIONS)}{born:%Y%m%d}{_digits(rng, 3)}"
    return body + ric.calc_check_digit(body + "0")


def _uscc(rng: random.Random) -> str:
    body = rng.choice("9159") + rng.choice("1123") + rng.choice(_REGIONS)
    body += "".join(rng.choice(_USCC_ALPHABET) for _ in range(9))
    return body + uscc.calc_check_digit(body)


def _luhn_complete(prefix: str, rng: random.Random, length: int) -> str:
    body = prefix + _digits(rng, length - len(prefix) - 1)
    for d in "0123456789":
        if luhn_ok(body + d):
            return body + d
    raise AssertionError("unreachable")


def _wrong_last(value: str, alphabet: str = "0123456789") -> str:
    return value[:-1] + next(c for c in alphabet if c != value[-1])


def corpus(n: int = 500, seed: int = 7) -> list[tuple[str, str]]:
    rng = random.Random(seed)  # noqa: S311 — test data, seeded on purpose
    items: list[tuple[str, str]] = []
    for _ in range(n):
        r = _ric(rng)
        items += [(r, "resident_id"), (_wrong_last(r, "0123456789X"), "")]
        c = _uscc(rng)
        items += [(c, "credit_code"), (_wrong_last(c, _USCC_ALPHABET), "")]
        mobile = rng.choice("3456789")
        items += [
            (f"1{mobile}{_digits(rng, 9)}", "phone"),
            (f"0{rng.choice(['21', '10', '755', '571'])}-{rng.randrange(2, 10)}{_digits(rng, 7)}", "phone"),
            (f"1{rng.choice('012')}{_digits(rng, 9)}", ""),  # 11 digits, not a mobile prefix
            (f"{rng.randrange(1_600_000_000, 1_800_000_000)}", ""),  # Unix timestamp
            (f"{rng.randrange(1_600_000_000_000, 1_800_000_000_000)}", ""),  # in ms
        ]  # fmt: skip
        prefix = rng.choice(["62", "4", "51", "55"])
        card = _luhn_complete(prefix, rng, rng.choice([16, 19]) if prefix in "624" else 16)
        items += [
            (card, "bank_card"),
            (_wrong_last(card), ""),
            # Order numbers: a date and a sequence, sometimes passing Luhn by chance.
            (f"2024{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}{_digits(rng, 10)}", ""),
            (f"{date(2024, 1, 1) + timedelta(days=rng.randrange(0, 365)):%Y%m%d}{_digits(rng, 6)}", ""),
        ]  # fmt: skip
        user = "".join(
            rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randrange(3, 10))
        )
        items += [
            (f"{user}{rng.randrange(1, 99)}@{rng.choice(['qq.com', '163.com', 'gov.cn', 'example.org'])}", "email"),
            (f"{user}@", ""),
            (f"@{user}", ""),
            (f"{rng.randrange(1, 9999)}.{rng.randrange(0, 99):02d}", ""),  # amount
        ]  # fmt: skip
    return items
