"""The Ray executor (gongshu/compute/ray_executor.py) on a real two-node Ray cluster on
this machine: a head with the custom resource ``hub-a`` and a second node process with
``hub-b``, token authentication on, no dashboard, one temporary directory; the cluster's
process groups are ended in the fixture's finalizer, whatever happens.

A job runs on the node it was placed on (by node id), its Python still runs in the
sandbox child there (a socket fails, an undeclared field is not there), 100 concurrent
small jobs finish with no failure, a driver without the cluster's token is refused, and
the executor refuses to talk to a public address."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from types import SimpleNamespace

import pyarrow as pa
import pyarrow.ipc
import pyarrow.parquet as pq
import pytest

from gongshu.compute import child, spec
from gongshu.compute import ray_executor as rx

NODES = [{"hub-a": 4}, {"hub-b": 4}]
COUNT = "def run(inputs):\n    t = inputs['trips'].read()\n    return pa.table({'n': [t.num_rows], 'total': [pc.sum(t['km']).as_py()]})\n"


# --- the address check (no cluster) ---------------------------------------------------------


@pytest.mark.parametrize(
    "address", ["127.0.0.1:6379", "10.1.2.3:6379", "192.168.0.9:1", "[::1]:6379", "localhost:6379"]
)
def test_loopback_and_private_addresses_are_allowed(address):
    assert rx.check_address(address) == address


@pytest.mark.parametrize(
    "address, why",
    [
        ("", "no Ray cluster is configured"),
        ("auto", "host:port"),
        ("ray://10.0.0.1:10001", "host:port"),
        ("10.0.0.1", "host:port"),
        ("8.8.8.8:6379", "neither loopback nor private"),
        ("0.0.0.0:6379", "neither loopback nor private"),
        ("[2001:4860::8888]:6379", "neither loopback nor private"),
    ],
)
def test_other_addresses_are_refused(address, why):
    with pytest.raises(rx.RayUnavailable, match=why):
        rx.check_address(address)


def test_a_node_without_a_ray_resource_is_refused_before_connecting(settings):
    settings.COMPUTE_RAY_ADDRESS = "8.8.8.8:6379"
    with pytest.raises(rx.RayUnavailable, match="no node with a Ray resource"):
        rx.run({"inputs": []}, {"code": "x", "ray_resource": ""})
    with pytest.raises(rx.RayUnavailable, match="neither loopback nor private"):
        rx.run({"inputs": []}, {"code": "x", "ray_resource": "hub-a"})


# --- a real cluster ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def cluster():
    pytest.importorskip("ray", reason="Ray is not installed")
    local = rx.LocalCluster(NODES, num_cpus=1, object_store_memory=100_000_000)
    keys = ("GONGSHU_RAY_ADDRESS", "GONGSHU_RAY_TOKEN_PATH")
    saved = {k: os.environ.get(k) for k in keys}
    groups: list[int] = []
    try:
        try:
            local.start(timeout=240)
            groups = [p.pid for p in local.processes]
            os.environ.update(
                GONGSHU_RAY_ADDRESS=local.address, GONGSHU_RAY_TOKEN_PATH=local.token_path
            )
            local.wait_ready(rx.connect(), timeout=240)
        except rx.RayUnavailable as exc:
            pytest.skip(f"Ray could not start a two-node cluster on this machine: {exc}")
        yield local
    finally:
        rx.disconnect()
        local.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        assert not any(rx._group_alive(g) for g in groups), "a Ray process outlived the cluster"
        assert not os.path.exists(local.temp_dir)


@pytest.fixture
def ray_settings(cluster, settings):
    settings.COMPUTE_RAY_ADDRESS = cluster.address
    settings.COMPUTE_RAY_TOKEN_PATH = cluster.token_path
    return settings


@pytest.fixture
def trips(tmp_path):
    path = tmp_path / "trips.parquet"
    pq.write_table(
        pa.table({"km": [1.5, 2.0, 3.5], "resident_id": ["110101199001011234", "x", "y"]}), path
    )
    return spec.GatedInput("trips", str(path), ["km"])


def job_spec(trips, code=COUNT, uid="job"):
    job = SimpleNamespace(
        uid=uid, kind="python", code=code, outputs=["answer"], limits={"wall_seconds": 60}
    )
    return spec.build_spec(job, [trips])


def table(body: bytes) -> pa.Table:
    with pyarrow.ipc.open_stream(body) as reader:
        return reader.read_all()


def node_resources(ray, node_id: str) -> dict[str, float]:
    return next(n["Resources"] for n in ray.nodes() if n["NodeID"] == node_id)


@pytest.mark.slow
@pytest.mark.parametrize("resource", ["hub-a", "hub-b"])
def test_a_job_runs_on_the_node_it_was_placed_on(ray_settings, trips, resource):
    answer = rx.run(job_spec(trips), {"code": resource, "ray_resource": resource})
    assert table(answer["outputs"]["answer"]).to_pylist() == [{"n": 3, "total": 7.0}]
    ray = rx.connect()
    assert resource in node_resources(ray, answer["ray_node"])
    assert answer["cpu"] > 0


@pytest.mark.slow
def test_the_two_nodes_are_two_ray_nodes(ray_settings, trips):
    a = rx.run(job_spec(trips), {"code": "a", "ray_resource": "hub-a"})["ray_node"]
    b = rx.run(job_spec(trips), {"code": "b", "ray_resource": "hub-b"})["ray_node"]
    assert a != b


@pytest.mark.slow
@pytest.mark.parametrize("target", ["internet", "ray-gcs-loopback", "ray-gcs-host"])
def test_a_socket_still_fails_inside_the_sandbox(ray_settings, trips, cluster, target):
    """Not the internet, and not the Ray cluster's own GCS on the node's addresses."""
    host = {"internet": "1.1.1.1", "ray-gcs-loopback": "127.0.0.1"}.get(target)
    if host is None:
        ray = rx.connect()
        host = next(n["NodeManagerAddress"] for n in ray.nodes())
    port = 53 if target == "internet" else cluster.port
    code = (
        "import socket\n"
        "def run(inputs):\n"
        f"    socket.create_connection(({host!r}, {port}), timeout=3)\n"
        "    return pa.table({'n': [1]})\n"
    )
    with pytest.raises(child.Failed) as failed:
        rx.run(job_spec(trips, code), {"code": "b", "ray_resource": "hub-b"})
    assert failed.value.kind == "error"
    assert "Network is unreachable" in failed.value.message or "refused" in failed.value.message


@pytest.mark.slow
def test_an_undeclared_field_is_not_there_on_the_node(ray_settings, trips):
    code = "def run(inputs):\n    return inputs['trips'].read().select(['resident_id'])\n"
    with pytest.raises(child.Failed) as failed:
        rx.run(job_spec(trips, code), {"code": "a", "ray_resource": "hub-a"})
    assert failed.value.kind == "error"
    assert "resident_id" in failed.value.message


@pytest.mark.slow
def test_no_node_with_the_resource_is_the_cluster_s_failure_not_the_job_s(ray_settings, trips):
    with pytest.raises(rx.RayUnavailable, match="hub_nowhere"):
        rx.run(job_spec(trips), {"code": "nowhere", "ray_resource": "hub_nowhere"})


@pytest.mark.slow
def test_100_concurrent_small_jobs_complete_with_no_failure(ray_settings, trips):
    resources = ["hub-a", "hub-b"] * 50
    started = time.monotonic()
    refs = [
        (rx.submit(job_spec(trips, uid=f"j{i}"), {"code": r, "ray_resource": r}), r)
        for i, r in enumerate(resources)
    ]
    failures, where = [], {}
    for ref, resource in refs:
        try:
            answer = rx.collect(ref, job_spec(trips), {"code": resource, "ray_resource": resource})
        except Exception as exc:  # counted, not raised: the test reports them all
            failures.append(f"{type(exc).__name__}: {exc}")
            continue
        assert table(answer["outputs"]["answer"]).to_pylist() == [{"n": 3, "total": 7.0}]
        where.setdefault(resource, set()).add(answer["ray_node"])
    assert failures == [], failures[:3]
    ray = rx.connect()
    for resource, nodes in where.items():
        assert all(resource in node_resources(ray, n) for n in nodes)
    print(f"100 jobs on 2 Ray nodes in {time.monotonic() - started:.1f} s")


@pytest.mark.slow
def test_a_driver_without_the_cluster_s_token_is_refused(cluster, tmp_path):
    code = (
        "import ray\n"
        "try:\n"
        f"    ray.init(address={cluster.address!r}, log_to_driver=False)\n"
        "    print('CONNECTED')\n"
        "except Exception as exc:\n"
        "    print('REFUSED', type(exc).__name__)\n"
    )
    base = {k: v for k, v in os.environ.items() if not k.startswith(("RAY_", "GONGSHU_RAY"))}
    base["HOME"] = str(tmp_path)  # no ~/.ray/auth_token to fall back on
    tries = {
        "no token": {**base, "RAY_AUTH_MODE": "disabled"},
        "a wrong token": {**base, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": "0" * 64},
    }
    processes = {
        label: subprocess.Popen(
            [sys.executable, "-c", code],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        for label, env in tries.items()
    }
    for label, process in processes.items():
        out, _ = process.communicate(timeout=300)
        assert "REFUSED" in out and "CONNECTED" not in out, (label, out)
