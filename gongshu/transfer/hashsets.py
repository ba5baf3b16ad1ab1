"""The per-year hashed sets of the people each processor sent abroad: one Parquet file
per counted declaration under ``DATA_DIR/transfer/<processor>/<year>/``, holding each
person's keyed hash (SipHash-2-4 under the platform's transfer key, a UBIGINT; never a
raw value)
and whether the declaration sends their sensitive and their other personal information.

The year's count is the union of that directory's files, exact (DuckDB's GROUP BY, not a
sketch: the thresholds are decided at one person). A new year is a new directory, so the
count starts again on 1 January (Asia/Shanghai) and nothing has to be reset."""

from __future__ import annotations

import hashlib
import hmac
import re
import shutil
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gongshu.engine import storage
from gongshu.engine.duck import Engine
from gongshu.policy.sql import string_literal

# How a person's hash is made (counting.hash_people) and so which sets can be unioned:
# part of every set's file name. "k1" was the first 128 bits of SHA-256(key ‖ value) in
# DuckDB SQL; "k2" is SipHash-2-4 under the first 16 bytes of the key (siphash.py).
SCHEME = "k2"

_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")


class StaleSets(ValidationError):
    """The year holds sets hashed under an earlier scheme: their declarations must be
    counted again before the year can be."""

    def __init__(self, declarations: list[str]) -> None:
        self.declarations = declarations
        super().__init__(
            {
                "declarations": [
                    _(
                        "Declarations %(ids)s were counted under an earlier hashing scheme; "
                        "count them again (POST …/declarations/{id}/count) first."
                    )
                    % {"ids": ", ".join(declarations)}
                ]
            }
        )


def key() -> bytes:
    """The platform's counting key, derived from SECRET_KEY like the masks' keys but in
    its own scope, so a count's hashes never equal any read's pseudonyms."""
    return hmac.new(settings.SECRET_KEY.encode(), b"transfer:count", hashlib.sha256).digest()


def year_dir(code: str, year: int) -> Path:
    if not _CODE.match(code):
        raise ValueError(f"not an organization code: {code!r}")
    return storage.data_dir() / "transfer" / code / str(int(year))


def path_of(code: str, year: int, declaration_id: int) -> Path:
    return year_dir(code, year) / f"{int(declaration_id)}.{SCHEME}.parquet"


def files(code: str, year: int) -> list[Path]:
    folder = year_dir(code, year)
    if not folder.is_dir():
        return []
    stale = sorted(
        p.name.split(".")[0] for p in folder.glob("*.parquet") if p.suffixes[:1] != [f".{SCHEME}"]
    )
    if stale:
        # Sets hashed another way cannot be unioned with these (a person would count
        # twice); leaving them out would count too few. Neither: they are counted again.
        raise StaleSets(stale)
    return sorted(folder.glob(f"*.{SCHEME}.parquet"))


def alone(code: str, year: int, declaration_id: int) -> bool:
    """Whether the declaration's set is the only one of its processor's year."""
    return files(code, year) == [path_of(code, year, declaration_id)]


def place(work_file: Path, code: str, year: int, declaration_id: int) -> Path:
    """Move a written set into place by renaming it (scratch is under DATA_DIR too), or
    where scratch is on another filesystem by copying it beside its target and renaming
    the copy; either way a reader sees the old set or the new, never half."""
    target = path_of(code, year, declaration_id)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        work_file.replace(target)
    except OSError:
        staged = target.with_suffix(".partial")
        shutil.copyfile(work_file, staged)
        staged.replace(target)
    _remove_other_schemes(code, year, declaration_id)
    return target


def _remove_other_schemes(code: str, year: int, declaration_id: int) -> None:
    current = path_of(code, year, declaration_id)
    for path in year_dir(code, year).glob(f"{int(declaration_id)}.*parquet"):
        if path != current:
            path.unlink(missing_ok=True)


def remove(code: str, year: int, declaration_id: int) -> None:
    path_of(code, year, declaration_id).unlink(missing_ok=True)
    if year_dir(code, year).is_dir():
        _remove_other_schemes(code, year, declaration_id)


def union_sql(paths: list[Path]) -> str:
    listed = ", ".join(string_literal(str(p)) for p in paths)
    return (
        "SELECT count(*) FILTER (WHERE n) AS non_sensitive, count(*) FILTER (WHERE s) AS sensitive"  # noqa: S608
        " FROM (SELECT h, bool_or(non_sensitive) AS n, bool_or(sensitive) AS s"
        f" FROM read_parquet([{listed}]) GROUP BY h)"
    )


def union_counts(code: str, year: int, *, without: int | None = None) -> tuple[int, int]:
    """Distinct people (non-sensitive, sensitive) in the processor's sets of ``year``."""
    paths = [p for p in files(code, year) if without is None or p != path_of(code, year, without)]
    if not paths:
        return 0, 0
    with Engine(paths) as engine:
        row = engine.con.execute(union_sql(paths)).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])
