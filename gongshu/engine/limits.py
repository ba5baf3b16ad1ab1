"""Limits of the read engine, read from Django settings at call time so that tests can
change them with ``settings.X = ...``. The defaults and their GONGSHU_* environment
variables are in settings.py (and the README)."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

_MEMORY = re.compile(r"^\d+(\.\d+)?\s*(B|KB|MB|GB|KiB|MiB|GiB)$", re.IGNORECASE)

ROWS_DEFAULT_LIMIT = 100
FACET_SIZE = 10
XLSX_MAX_ROWS = 1_048_575  # Excel's 1,048,576 rows, less the header row
# Rows per Arrow batch an export renders and sends: smaller batches hold less at once
# (4,096 saved ~10 MB per export against 16,384, in the same time).
EXPORT_BATCH_ROWS = 4_096


def _positive(name: str) -> int | float:
    value = getattr(settings, name)
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        raise ImproperlyConfigured(f"{name} must be a positive number; got {value!r}")
    return value


def _memory(name: str) -> str:
    value = str(getattr(settings, name))
    # Pasted into a SET statement, so only a plain size is acceptable.
    if not _MEMORY.match(value):
        raise ImproperlyConfigured(f"{name} must be a size such as 512MB; got {value!r}")
    return value


def query_timeout_s() -> float:
    return float(_positive("TABULAR_QUERY_TIMEOUT_S"))


def timeout_message() -> str:
    """What a caller is told when its query was stopped at the deadline (API, CKAN and
    portal alike)."""
    return _("The query ran longer than %(seconds)s seconds and was stopped.") % {
        "seconds": f"{query_timeout_s():g}"
    }


def query_memory_limit() -> str:
    return _memory("TABULAR_QUERY_MEMORY_LIMIT")


def export_memory_limit() -> str:
    return _memory("TABULAR_EXPORT_MEMORY_LIMIT")


def threads() -> int:
    return int(_positive("TABULAR_QUERY_THREADS"))


def export_threads() -> int:
    return int(_positive("TABULAR_EXPORT_THREADS"))


def sql_row_limit() -> int:
    return int(_positive("TABULAR_SQL_ROW_LIMIT"))


def sql_max_rows() -> int:
    return int(_positive("TABULAR_SQL_MAX_ROWS"))


def rows_max_limit() -> int:
    return int(_positive("TABULAR_ROWS_MAX_LIMIT"))


def work_dir() -> Path:
    """Scratch space for DuckDB spill files and exports being written: under the data
    directory, so a finished export is a rename-free read on the same disk."""
    path = Path(settings.DATA_DIR) / "tmp" / "read"
    path.mkdir(parents=True, exist_ok=True)
    return path
