"""What leaves this server in a message: no terminal escape codes (DuckDB colours its
errors) and no absolute path under this server's directories, which would tell a caller
where the data lives. The API's error shape (gongshu/api.py) and the portal's pages
(an ingest's error and report, an error shown on a page) clean their text here."""

from __future__ import annotations

import re
import sys
import tempfile
from functools import lru_cache
from typing import Any

from django.conf import settings

# Terminal escape sequences (colours, cursor moves) that DuckDB and others put in messages.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")
_PATH_END = r"[^\s'\"`<>),;:]*"  # a path ends where a message goes on


@lru_cache(maxsize=8)
def _path_pattern(roots: tuple[str, ...]) -> re.Pattern[str]:
    # The longest root first, so /srv/gongshu/var/data is not cut at /srv/gongshu.
    alternatives = "|".join(re.escape(r) for r in sorted(roots, key=len, reverse=True))
    return re.compile(rf"(?:{alternatives})(?![\w.-]){_PATH_END}")


def server_roots(*, all_roots: bool) -> tuple[str, ...]:
    """This server's directories, as they could appear in a message. ``all_roots`` adds
    the general ones (the temporary directory, Python's prefix), too broad for data."""
    roots = {str(settings.DATA_DIR), str(settings.VAR_DIR), str(settings.BASE_DIR)}
    if getattr(settings, "FILE_UPLOAD_TEMP_DIR", None):
        roots.add(str(settings.FILE_UPLOAD_TEMP_DIR))
    if all_roots:
        roots |= {tempfile.gettempdir(), sys.prefix, sys.base_prefix}
    return tuple(sorted(r.rstrip("/") for r in roots if len(r.rstrip("/")) > 1))


def clean(text: str, *, all_roots: bool = True) -> str:
    """``text`` without escape codes and with every path under this server's directories
    replaced by "…": a message must not tell a caller where the data lives."""
    text = _ANSI.sub("", text)
    return _path_pattern(server_roots(all_roots=all_roots)).sub("…", text)


def cleaned(value: Any, *, all_roots: bool = True) -> Any:
    """``value`` (JSON-like: text, lists, dicts) with every text in it ``clean``."""
    if isinstance(value, str):
        return clean(value, all_roots=all_roots)
    if isinstance(value, dict):
        return {k: cleaned(v, all_roots=all_roots) for k, v in value.items()}
    if isinstance(value, list):
        return [cleaned(v, all_roots=all_roots) for v in value]
    return value
