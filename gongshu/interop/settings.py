"""The interop app's settings, read from GONGSHU_* variables through the typed helpers
when they are used (so tests can set them), each documented in the README."""

from __future__ import annotations

from gongshu.config import env_int, env_str


def default_region() -> str:
    # Imported publishers have no GB/T 2260 code; 110000 (Beijing) is only a placeholder
    # that an administrator is expected to correct, and the import report says so.
    return env_str("GONGSHU_HARVEST_DEFAULT_REGION", "110000")


def http_timeout_s() -> int:
    return env_int("GONGSHU_HARVEST_TIMEOUT_S", 30)


def max_download_bytes() -> int:
    return env_int("GONGSHU_HARVEST_MAX_BYTES", 2 * 1024**3)


def max_document_bytes() -> int:
    """The largest DCAT document or API answer read into memory."""
    return env_int("GONGSHU_HARVEST_MAX_DOCUMENT_BYTES", 64 * 1024**2)


def dcat_page_size() -> int:
    """Datasets per page of /dcat/catalog (hydra paging)."""
    return max(1, env_int("GONGSHU_DCAT_PAGE_SIZE", 100))
