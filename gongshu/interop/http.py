"""Every outbound HTTP request of the platform goes through this module, so that the
rules hold in one place (http and https only, time-outs, size caps) and tests patch
one place. The CKAN client uses ``session()``; documents and data files use ``fetch``
and ``download``."""

from __future__ import annotations

import tempfile
from pathlib import Path
from urllib.parse import urlparse

import requests
from django.utils.translation import gettext as _

from gongshu import __version__
from gongshu.interop import settings

USER_AGENT = f"gongshu/{__version__} (harvester)"
CHUNK = 1024 * 1024


class FetchError(Exception):
    """A URL that may not be fetched, or an answer that was refused or too large."""


def check_url(url: str) -> str:
    scheme = urlparse(url).scheme.lower()
    if scheme not in ("http", "https") or not urlparse(url).netloc:
        raise FetchError(_("Only http and https URLs can be fetched: %(url)s") % {"url": url})
    return url


class _Session(requests.Session):
    """A requests session that refuses other schemes and always has a time-out."""

    def request(self, method, url, *args, **kwargs):
        check_url(url)
        kwargs.setdefault("timeout", settings.http_timeout_s())
        return super().request(method, url, *args, **kwargs)


def session() -> requests.Session:
    s = _Session()
    s.headers["User-Agent"] = USER_AGENT
    return s


def _stream(url: str, limit: int, accept: str | None = None, headers: dict | None = None):
    headers = {**(headers or {}), **({"Accept": accept} if accept else {})}
    response = session().get(check_url(url), headers=headers, stream=True)
    if response.status_code != 200:
        response.close()
        raise FetchError(
            _("%(url)s answered HTTP %(status)s.") % {"url": url, "status": response.status_code}
        )
    declared = response.headers.get("Content-Length")
    # A remote's header: ASCII digits only, and a length past 30 digits is too large anyway
    # (int() of thousands of digits raises).
    if (
        declared
        and declared.isascii()
        and declared.isdigit()
        and (len(declared) > 30 or int(declared) > limit)
    ):
        response.close()
        raise FetchError(_too_large(url, limit))
    return response


def _too_large(url: str, limit: int) -> str:
    return _("%(url)s is larger than %(limit)d bytes.") % {"url": url, "limit": limit}


def fetch(url: str, *, accept: str | None = None) -> tuple[bytes, str]:
    """The body (capped) and its content type."""
    limit = settings.max_document_bytes()
    with _stream(url, limit, accept) as response:
        body = bytearray()
        for chunk in response.iter_content(CHUNK):
            body += chunk
            if len(body) > limit:
                raise FetchError(_too_large(url, limit))
        return bytes(body), response.headers.get("Content-Type", "")


def download(url: str, directory: Path | str | None = None, *, headers: dict | None = None) -> Path:
    """Stream ``url`` to a new temporary file (the caller removes it); never held in
    memory, and cut off at the size cap. ``headers`` carry a source's credentials."""
    limit = settings.max_download_bytes()
    handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - the path outlives this function
        prefix="harvest-", suffix=".part", dir=directory, delete=False
    )
    path = Path(handle.name)
    try:
        with handle, _stream(url, limit, headers=headers) as response:
            written = 0
            for chunk in response.iter_content(CHUNK):
                written += len(chunk)
                if written > limit:
                    raise FetchError(_too_large(url, limit))
                handle.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path
