"""An ingest's messages are worded in its uploader's language, whatever the language of
the worker that runs it (the default is Chinese; a worker may run for anyone)."""

from __future__ import annotations

import pytest
from django.utils import translation

from gongshu.tabular import services
from gongshu.tabular.models import IngestStatus
from tests.tabular.ingest_support import write


@pytest.mark.parametrize(
    ("uploader", "worker", "expected"),
    [("zh-hans", "en", "没有数据行"), ("en", "zh-hans", "no data rows")],
)
def test_the_rejection_is_in_the_uploaders_language(
    make_dataset, tmp_path, uploader, worker, expected
):
    dataset = make_dataset()
    with translation.override(uploader):
        ingest = services.start_ingest(dataset, server_path=write(tmp_path, "h.csv", "id,name\n"))
    with translation.override(worker):
        result = services.run_ingest(ingest.id)
    assert result.status == IngestStatus.REJECTED
    assert expected in result.error
    assert ingest.language == uploader
