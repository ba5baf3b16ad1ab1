"""Limits of the read engine, with defaults, read from Django settings at call time so that
tests can change them with ``settings.X = ...``.

Environment names the lead wires into settings.py (each optional):
    GONGSHU_QUERY_TIMEOUT_S        -> TABULAR_QUERY_TIMEOUT_S     (10)
    GONGSHU_QUERY_MEMORY_LIMIT     -> TABULAR_QUERY_MEMORY_LIMIT  ("512MB")
    GONGSHU_EXPORT_MEMORY_LIMIT    -> TABULAR_EXPORT_MEMORY_LIMIT ("160MB")
    GONGSHU_QUERY_THREADS          -> TABULAR_QUERY_THREADS       (4)
    GONGSHU_EXPORT_THREADS         -> TABULAR_EXPORT_THREADS      (2)
    GONGSHU_SQL_ROW_LIMIT          -> TABULAR_SQL_ROW_LIMIT       (1000, default answer size)
    GONGSHU_SQL_MAX_ROWS           -> TABULAR_SQL_MAX_ROWS        (10000, the most a caller may ask)
    GONGSHU_ROWS_MAX_LIMIT         -> TABULAR_ROWS_MAX_LIMIT      (10000)
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

_MEMORY = re.compile(r"^\d+(\.\d+)?\s*(B|KB|MB|GB|KiB|MiB|GiB)$", re.IGNORECASE)

ROWS_DEFAULT_LIMIT = 100
FACET_SIZE = 10
XLSX_MAX_ROWS = 1_048_575  # Excel's 1,048,576 rows, less the header row
EXPORT_BATCH_ROWS = 16_384


def _positive(name: str, default: int | float) -> int | float:
    value = getattr(settings, name, default)
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        raise ImproperlyConfigured(f"{name} must be a positive number; got {value!r}")
    return value


def _memory(name: str, default: str) -> str:
    value = str(getattr(settings, name, default))
    # Pasted into a SET statement, so only a plain size is acceptable.
    if not _MEMORY.match(value):
        raise ImproperlyConfigured(f"{name} must be a size such as 512MB; got {value!r}")
    return value


def query_timeout_s() -> float:
    return float(_positive("TABULAR_QUERY_TIMEOUT_S", 10))


def query_memory_limit() -> str:
    return _memory("TABULAR_QUERY_MEMORY_LIMIT", "512MB")


def export_memory_limit() -> str:
    return _memory("TABULAR_EXPORT_MEMORY_LIMIT", "160MB")


def threads() -> int:
    return int(_positive("TABULAR_QUERY_THREADS", 4))


def export_threads() -> int:
    # Exports are bound by writing, not scanning; fewer threads keep fewer buffers alive
    # (10M rows to CSV: 2 threads peak 242 MB RSS, 4 threads 277 MB, same speed).
    return int(_positive("TABULAR_EXPORT_THREADS", 2))


def sql_row_limit() -> int:
    return int(_positive("TABULAR_SQL_ROW_LIMIT", 1000))


def sql_max_rows() -> int:
    return int(_positive("TABULAR_SQL_MAX_ROWS", 10_000))


def rows_max_limit() -> int:
    return int(_positive("TABULAR_ROWS_MAX_LIMIT", 10_000))


def work_dir() -> Path:
    """Scratch space for DuckDB spill files and exports being written: under the data
    directory, so a finished export is a rename-free read on the same disk."""
    path = Path(settings.DATA_DIR) / "tmp" / "read"
    path.mkdir(parents=True, exist_ok=True)
    return path
