"""Bring a harvested resource's data file in: download it through ``interop.http`` and
ingest it as the resource's next version — unless the current version already came from
a file with the same SHA-256. Shared by the CKAN and the DCAT harvesters."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlparse

from django.utils.translation import gettext as _

from gongshu.catalog import services as catalog
from gongshu.catalog.models import Dataset
from gongshu.interop import http
from gongshu.interop.upsert import Report
from gongshu.tabular import services as tabular
from gongshu.tabular.models import IngestStatus, Version


def file_name(url: str, *names: str | None) -> str:
    """The name the file had at its source: the resource's name when it looks like a
    file name, else the URL's last path segment (the ingest reads formats by suffix, and
    the version's source name is what its users recognise)."""
    for candidate in (*names, PurePosixPath(unquote(urlparse(url).path)).name):
        candidate = (candidate or "").strip().replace("/", "_").replace("\\", "_")
        if candidate and "." in candidate and " " not in candidate and candidate[0] != ".":
            return candidate[:200]
    return "download"


def fetch(
    report: Report,
    dataset: Dataset,
    url: str | None,
    digest: str,
    actor: Any,
    *,
    names: tuple[str | None, ...] = (),
    headers: dict | None = None,
) -> bool:
    """Whether the resource now holds the file (ingested, or already held); when not,
    the caller keeps its URL as a link."""
    if not url:
        report.data[dataset.name] = "no file"
        return False
    digest = digest.removeprefix("sha256:").lower()
    current = Version.objects.filter(dataset=dataset, is_current=True).first()
    if digest and current and digest in (current.source_sha256, current.sha256):
        report.data[dataset.name] = IngestStatus.UNCHANGED
        return True
    work = Path(tempfile.mkdtemp(prefix="harvest-"))
    try:
        try:
            downloaded = http.download(url, work, headers=headers)
        except (http.FetchError, OSError) as exc:
            report.data[dataset.name] = f"{IngestStatus.FAILED}: {exc}"
            return False
        path = downloaded.rename(work / file_name(url, *names))
        ingest = tabular.start_ingest(dataset, server_path=path, user=actor)
        ingest = tabular.run_ingest(ingest.id)
        report.data[dataset.name] = ingest.status
        return ingest.status in (IngestStatus.SUCCEEDED, IngestStatus.UNCHANGED)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def keep_links(report: Report, dataset: Dataset, links: list[dict[str, Any]], actor: Any) -> None:
    """Make ``links`` the resource's links (what re-reading the source gives replaces
    what the last read gave), noting the URLs refused."""
    changed, refused = catalog.replace_links(dataset, links, actor=actor)
    if changed and dataset.name not in report.created + report.updated:
        report.updated.append(dataset.name)
        if dataset.name in report.unchanged:
            report.unchanged.remove(dataset.name)
    for url in refused:
        report.notes.append(
            _("%(name)s: the link %(url)s is not an http(s) URL; it was left out.")
            % {"name": dataset.name, "url": url}
        )
