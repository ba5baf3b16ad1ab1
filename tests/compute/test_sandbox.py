"""The sandbox (child.py/worker.py): no network, no host files, only declared fields,
limits that kill with their reason, and nothing written left behind."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.ipc
import pyarrow.parquet as pq
import pytest

from gongshu.compute import child
from tests.compute.world import needs_namespaces

pytestmark = needs_namespaces


@pytest.fixture
def spec(tmp_path: Path) -> dict:
    path = tmp_path / "in.parquet"
    pq.write_table(pa.table({"a": [1, 2, 3], "secret": ["x", "y", "z"]}), path)
    return {
        "version": 1,
        "job": "t",
        "kind": "python",
        "code": "",
        "outputs": ["out"],
        "inputs": [{"name": "t", "path": str(path), "columns": ["a"]}],
        "limits": {
            "wall_seconds": 30,
            "cpu_seconds": 20,
            "memory_bytes": 768 << 20,
            "fsize_bytes": 1 << 20,
            "max_answer_bytes": 1 << 24,
        },
        "work_dir": str(tmp_path / "work"),
    }


def fails(spec: dict, code: str, **limits: int) -> child.Failed:
    with pytest.raises(child.Failed) as caught:
        child.run_spec({**spec, "code": code, "limits": {**spec["limits"], **limits}})
    return caught.value


def test_it_runs_a_job_over_its_declared_fields(spec):
    outputs, _cpu = child.run_spec(
        {**spec, "code": "def run(inputs):\n    return inputs['t'].read()"}
    )
    assert set(outputs) == {"out"}


def test_a_socket_is_refused(spec):
    failed = fails(
        spec, "import socket\ndef run(i):\n    socket.create_connection(('1.1.1.1', 80), 2)"
    )
    assert failed.kind == "error" and "unreachable" in failed.message


def test_the_hosts_files_are_not_visible(spec):
    failed = fails(spec, "def run(i):\n    return open('/etc/passwd').read()")
    assert failed.kind == "error" and "FileNotFoundError" in failed.message


def test_an_undeclared_field_cannot_be_read(spec):
    failed = fails(spec, "def run(i):\n    return i['t'].read().select(['secret'])")
    assert failed.kind == "error" and "secret" in failed.message


def test_memory_past_the_limit_fails_as_memory(spec):
    failed = fails(spec, "def run(i):\n    x = bytearray(2 << 30)\n    return x")
    assert failed.kind == "memory"


@pytest.mark.slow
def test_a_job_past_its_wall_time_is_killed_as_time(spec):
    failed = fails(spec, "import time\ndef run(i):\n    time.sleep(60)", wall_seconds=3)
    assert failed.kind == "time"


@pytest.mark.slow
def test_a_busy_loop_dies_of_cpu(spec):
    failed = fails(
        spec, "def run(i):\n    while True:\n        pass", cpu_seconds=1, wall_seconds=30
    )
    assert failed.kind == "cpu"


def test_nothing_written_is_left(spec):
    work = Path(spec["work_dir"])
    code = "def run(i):\n    open('kept.txt', 'w').write('x' * 10)\n    return i['t'].read()"
    child.run_spec({**spec, "code": code})
    assert list(work.iterdir()) == []


def test_a_write_past_the_file_size_limit_fails(spec):
    failed = fails(spec, "def run(i):\n    open('big', 'wb').write(b'x' * (4 << 20))")
    assert failed.kind == "error" and "File too large" in failed.message


PID_JOB = (
    "import os\nimport pyarrow as pa\ndef run(i):\n    return pa.table({'pid': [os.getpid()]})"
)


def _pid_of_a_job(spec: dict) -> int:
    outputs, _cpu = child.run_spec({**spec, "code": PID_JOB})
    return pa.ipc.open_stream(outputs["out"]).read_all()["pid"][0].as_py()


def test_a_job_runs_in_the_spare_started_for_it_and_each_in_its_own(spec):
    _pid_of_a_job(spec)
    waiting = child._spare
    assert waiting is not None and waiting.usable()  # started behind the first job
    _pid_of_a_job(spec)
    assert waiting.process.poll() is not None  # the spare served the second job and ended
    assert child._spare is not None and child._spare is not waiting


def test_a_spare_of_another_process_is_not_used(spec, monkeypatch):
    _pid_of_a_job(spec)
    inherited = child._spare
    assert inherited is not None
    monkeypatch.setattr(inherited, "owner", -1)  # as in a forked server's child
    _pid_of_a_job(spec)
    assert inherited.process.poll() is None  # left to its owner, not given a job
    inherited.process.kill()
    inherited.process.wait()
