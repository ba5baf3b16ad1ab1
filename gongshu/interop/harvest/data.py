"""Bring a harvested resource's data file in: download it through ``interop.http`` and
ingest it as the resource's next version — unless the current version already came from
a file with the same SHA-256. Shared by the CKAN and the DCAT harvesters."""

from __future__ import annotations

from typing import Any

from gongshu.catalog.models import Dataset
from gongshu.interop import http
from gongshu.interop.upsert import Report
from gongshu.tabular import services as tabular
from gongshu.tabular.models import IngestStatus, Version


def fetch(report: Report, dataset: Dataset, url: str | None, digest: str, actor: Any) -> None:
    if not url:
        report.data[dataset.name] = "no file"
        return
    digest = digest.removeprefix("sha256:").lower()
    current = Version.objects.filter(dataset=dataset, is_current=True).first()
    if digest and current and digest in (current.source_sha256, current.sha256):
        report.data[dataset.name] = IngestStatus.UNCHANGED
        return
    try:
        path = http.download(url)
    except (http.FetchError, OSError) as exc:
        report.data[dataset.name] = f"{IngestStatus.FAILED}: {exc}"
        return
    try:
        ingest = tabular.start_ingest(dataset, server_path=path, user=actor)
        ingest = tabular.run_ingest(ingest.id)
        report.data[dataset.name] = ingest.status
    finally:
        path.unlink(missing_ok=True)
