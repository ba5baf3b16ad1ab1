"""The SQL sandbox's worker has no network (issue 13: "no network"): it runs in new user
and network namespaces, where a socket reaches nothing, while the host reaches the same
address. DuckDB's own refusals (external access off, no extensions) are tested in
test_sql_sandbox.py; this is the layer under them."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest

from gongshu.engine import sandbox


@pytest.fixture
def listener():
    """A port on this host that accepts connections."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield server.getsockname()


def probe(host: str, port: int) -> dict:
    done = subprocess.run(
        [sys.executable, "-I", str(sandbox.WORKER), "--probe", host, str(port)],
        env={},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)


def test_a_worker_cannot_reach_what_the_host_reaches(listener):
    host, port = listener
    socket.create_connection((host, port), timeout=2).close()  # the host can
    seen = probe(host, port)
    if not seen["isolated"]:
        pytest.skip("this kernel refuses unprivileged user namespaces; the worker says so")
    assert seen == {"isolated": True, "connected": False}
