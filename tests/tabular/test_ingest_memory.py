"""DuckDB's memory limit in an ingest follows GONGSHU_INGEST_MEMORY_CAP (half of it), so
DuckDB spills to the work directory before the child's RLIMIT_AS refuses memory."""

from __future__ import annotations

import os
import resource
from multiprocessing.connection import Connection
from pathlib import Path

import pytest
from django.conf import settings as django_settings

from gongshu.tabular.ingest import isolated, pipeline

GIB = 1024**3


def duckdb_limit(con) -> str:
    return con.execute("SELECT current_setting('memory_limit')").fetchone()[0]


def probe(conn: Connection, cap: int, work: str) -> None:
    """What a conversion's child does before it converts (``isolated._child``): cap its
    address space, take the job's settings, open the pipeline's DuckDB."""
    isolated._limit(cap)
    django_settings.INGEST_MEMORY_CAP = cap
    con = pipeline.connect(Path(work))
    conn.send((pipeline.memory_limit(), duckdb_limit(con)))
    conn.close()


@pytest.mark.parametrize(("cap", "shown"), [(GIB + GIB // 2, "768.0 MiB"), (3 * GIB, "1.5 GiB")])
def test_the_limit_in_effect_in_the_child_is_half_its_cap(cap, shown, tmp_path):
    context = isolated._context()
    ours, theirs = context.Pipe(duplex=False)
    child = context.Process(target=probe, args=(theirs, cap, str(tmp_path)), daemon=True)
    child.start()
    theirs.close()
    assert ours.poll(120), "the probe did not answer"
    limit, in_effect = ours.recv()
    child.join(30)
    assert limit == cap // 2
    assert in_effect == shown


def test_the_limit_follows_the_setting_where_no_rlimit_is_lower(settings, tmp_path):
    soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
    assert soft == resource.RLIM_INFINITY or soft > GIB, "the test process is capped"
    settings.INGEST_MEMORY_CAP = GIB
    con = pipeline.connect(tmp_path)
    assert pipeline.memory_limit() == GIB // 2
    assert duckdb_limit(con) == "512.0 MiB"


def test_without_a_cap_duckdb_gets_half_the_machine(settings, tmp_path):
    settings.INGEST_MEMORY_CAP = 0
    if resource.getrlimit(resource.RLIMIT_AS)[0] != resource.RLIM_INFINITY:
        pytest.skip("the test process has an address-space limit")
    machine = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    assert pipeline.memory_limit() == machine // 2
