"""Writers appending at the same time never share a seq and never break the chain."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from gongshu.audit import services
from gongshu.audit.models import AuditEvent


@pytest.mark.django_db(transaction=True)
def test_it_serializes_concurrent_appends():
    def append(worker: int) -> None:
        try:
            for n in range(10):
                services.record(None, "test.concurrent", details={"worker": worker, "n": n})
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(append, range(4)))
    assert AuditEvent.objects.count() == 40
    report = services.verify()
    assert report.ok and report.head_seq == 40
