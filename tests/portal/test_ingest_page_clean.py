"""The portal shows what the server said (an ingest's error, its validation report) without
an absolute server path or a terminal escape code, as the API does
(``engine.messages.clean``)."""

from __future__ import annotations

import pytest
from django.conf import settings

from gongshu.tabular import services
from gongshu.tabular.models import Ingest, IngestStatus
from tests.tabular.ingest_support import write

pytestmark = pytest.mark.django_db


def test_an_ingest_page_shows_no_server_path_and_no_ansi_code(
    login, department_clerk, make_dataset, tmp_path
):
    staged = f"{settings.DATA_DIR}/staging/3f2a9c/source"
    started = services.start_ingest(make_dataset(), server_path=write(tmp_path, "t.csv", "a\n1\n"))
    Ingest.objects.filter(pk=started.pk).update(
        status=IngestStatus.FAILED,
        error=f"\x1b[31mIO Error\x1b[0m: could not read {staged}: no space left",
        report={
            "valid": False,
            "stats": {"errors": 1},
            "notes": [f"read from {staged}"],
            "errors": [
                {"type": "source-error", "note": f"\x1b[1mbad\x1b[0m byte in {staged} at 12"},
                {"type": "type-error", "rowNumber": 2, "fieldName": "a", "cell": "x",
                 "note": f"cannot cast in {settings.DATA_DIR}/versions/ab/abcd.parquet"},
            ],
            "errorCounts": [],
        },
    )  # fmt: skip
    page = login(department_clerk).get(f"/ingests/{started.uid}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert "IO Error" in html and "no space left" in html and "bad" in html  # the message stays
    assert str(settings.DATA_DIR) not in html and "/staging/" not in html
    assert "\x1b" not in html and "[31m" not in html and "[0m" not in html
    assert Ingest.objects.get(pk=started.pk).error.startswith("\x1b[31m")  # shown, not saved
