"""``gongshu compute``: submit and run a job as a user, download the released output."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from tests.compute.world import needs_namespaces

pytestmark = pytest.mark.django_db


@needs_namespaces
def test_it_submits_runs_and_downloads(researcher, licensed, tmp_path):
    code = tmp_path / "job.sql"
    code.write_text("SELECT district, count(*) AS n FROM visits GROUP BY 1", encoding="utf-8")
    out = StringIO()
    call_command(
        "compute", "submit", "--user", researcher.username, "--agreement", str(licensed.pk),
        "--kind", "sql", "--input", "resident-visits:district:visits", "--output", "counts",
        "--code", str(code), "--now", stdout=out,
    )  # fmt: skip
    job = json.loads(out.getvalue())
    assert job["status"] == "released"
    target = tmp_path / "counts.parquet"
    call_command(
        "compute", "download", job["id"], "counts", "--user", researcher.username,
        "--to", str(target), stdout=StringIO(),
    )  # fmt: skip
    assert target.read_bytes()[:4] == b"PAR1"


def test_a_bad_input_says_what_to_give(researcher, licensed):
    with pytest.raises(CommandError, match="RESOURCE:FIELD"):
        call_command(
            "compute", "submit", "--user", researcher.username, "--agreement", str(licensed.pk),
            "--kind", "sql", "--input", "resident-visits", "--output", "x", stdout=StringIO(),
        )  # fmt: skip
