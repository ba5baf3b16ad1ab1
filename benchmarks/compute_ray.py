"""Benchmark: 100 concurrent small compute jobs on a two-node Ray cluster (issue 19).

Starts ``ray_executor.LocalCluster`` on this machine — a head with the custom resource
``hub-a`` and a second node process with ``hub-b`` (``--slots`` job slots each, token
authentication, no dashboard, a 100 MB object store, one temporary directory) — and
submits ``--jobs`` small Python jobs at once through ``ray_executor.submit`` (half pinned
to each node), each the sandbox child over a 1,000-row Parquet input (a sum and a count
of one declared field). Counts failures, checks each answer and the node it ran on,
and times it. As a baseline, the same jobs through ``child.run_spec`` in a pool of as many
threads as the cluster has slots, on this machine without Ray. Last it lists the TCP
ports the cluster's processes listen on (what a firewall must close) and stops the
cluster, its own process groups only.

    .venv/bin/python benchmarks/compute_ray.py [--jobs 100] [--slots 4]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pyarrow as pa
import pyarrow.ipc
import pyarrow.parquet as pq

from gongshu.compute import child
from gongshu.compute import ray_executor as rx

CODE = (
    "def run(inputs):\n"
    "    t = inputs['trips'].read()\n"
    "    return pa.table({'n': [t.num_rows], 'km': [pc.sum(t['km']).as_py()]})\n"
)


def spec(uid: str, path: str, work: str) -> dict:
    return {
        "version": 1, "job": uid, "kind": "python", "code": CODE, "outputs": ["answer"],
        "inputs": [{"name": "trips", "path": path, "columns": ["km"]}],
        "limits": {"wall_seconds": 60, "cpu_seconds": 60, "memory_bytes": 1 << 30,
                   "fsize_bytes": 64 << 20, "max_answer_bytes": 4 << 20},
        "work_dir": work,
    }  # fmt: skip


def answer_ok(body: bytes, expected: float) -> bool:
    with pyarrow.ipc.open_stream(body) as reader:
        row = reader.read_all().to_pylist()[0]
    return row["n"] == 1000 and abs(row["km"] - expected) < 1e-6


def listening(groups: list[int]) -> list[str]:
    """``process address:port`` of every TCP listener whose process is in ``groups``."""
    pids = set()
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as handle:
                    if int(handle.read().rsplit(b")", 1)[1].split()[2]) in groups:
                        pids.add(int(entry.name))
            except OSError:
                continue
    out = subprocess.run(["ss", "-ltnpH"], capture_output=True, text=True, check=False).stdout
    rows = []
    for line in out.splitlines():
        match = re.search(r'users:\(\("([^"]+)",pid=(\d+)', line)
        if match and int(match.group(2)) in pids:
            rows.append(f"{match.group(1)} {line.split()[3]}")
    return sorted(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=100)
    parser.add_argument("--slots", type=int, default=4, help="job slots per node")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="gongshu-bench-ray-"))
    path = scratch / "trips.parquet"
    km = [float(i % 37) / 10 for i in range(1000)]
    pq.write_table(pa.table({"km": km, "resident_id": [str(i) for i in range(1000)]}), path)
    expected = sum(km)
    work = str(scratch / "work")

    cluster = rx.LocalCluster([{"hub-a": args.slots}, {"hub-b": args.slots}])
    began = time.monotonic()
    cluster.start(timeout=300)
    try:
        os.environ.update(
            GONGSHU_RAY_ADDRESS=cluster.address, GONGSHU_RAY_TOKEN_PATH=cluster.token_path
        )
        ray = rx.connect()
        cluster.wait_ready(ray, timeout=300)
        print(f"cluster up in {time.monotonic() - began:.1f} s at {cluster.address} (token auth)")
        node_of = {n["NodeID"]: n["Resources"] for n in ray.nodes()}
        # Warm-up: one job per node, so that each node has started a Ray worker.
        for resource in ("hub-a", "hub-b"):
            rx.run(spec("warm", str(path), work), {"code": resource, "ray_resource": resource})

        resources = ["hub-a", "hub-b"] * (args.jobs // 2) + ["hub-a"] * (args.jobs % 2)
        started = time.monotonic()
        refs = [
            (rx.submit(spec(f"j{i}", str(path), work), {"code": r, "ray_resource": r}), r)
            for i, r in enumerate(resources)
        ]
        failures, wrong_node, wrong_answer, cpu = [], 0, 0, []
        for ref, resource in refs:
            try:
                answer = rx.collect(
                    ref, spec("j", str(path), work), {"code": resource, "ray_resource": resource}
                )
            except Exception as exc:  # counted: the benchmark reports every failure
                failures.append(f"{type(exc).__name__}: {exc}"[:200])
                continue
            wrong_node += resource not in node_of.get(answer["ray_node"], {})
            wrong_answer += not answer_ok(answer["outputs"]["answer"], expected)
            cpu.append(answer["cpu"])
        ray_seconds = time.monotonic() - started
        groups = [p.pid for p in cluster.processes]
        ports = listening(groups)
    finally:
        rx.disconnect()
        cluster.stop()
    left = [g for g in groups if rx._group_alive(g)]

    pool = 2 * args.slots
    started = time.monotonic()
    with ThreadPoolExecutor(pool) as executor:
        local = list(
            executor.map(lambda i: child.run_spec(spec(f"l{i}", str(path), work)), range(args.jobs))
        )
    local_seconds = time.monotonic() - started
    local_ok = sum(answer_ok(outputs["answer"], expected) for outputs, _cpu in local)
    shutil.rmtree(scratch, ignore_errors=True)

    print(f"Ray, 2 nodes x {args.slots} slots: {args.jobs} jobs in {ray_seconds:.1f} s "
          f"({args.jobs / ray_seconds:.1f} jobs/s); failures {len(failures)}, wrong node "
          f"{wrong_node}, wrong answer {wrong_answer}; child CPU median "
          f"{statistics.median(cpu) if cpu else 0:.2f} s")  # fmt: skip
    for failure in failures[:5]:
        print("  ", failure)
    print(f"baseline, child.run_spec in {pool} threads, no Ray: {args.jobs} jobs in "
          f"{local_seconds:.1f} s; correct {local_ok}/{args.jobs}")  # fmt: skip
    print(f"Ray / baseline: {ray_seconds / local_seconds:.2f}x")
    print("listening TCP sockets of the cluster's processes:")
    for row in ports:
        print("  ", row)
    print(f"after stop: {len(left)} of the cluster's process groups alive; temp dir "
          f"{'gone' if not os.path.exists(cluster.temp_dir) else 'left'}")  # fmt: skip
    if failures or wrong_node or wrong_answer:
        sys.exit(1)


if __name__ == "__main__":
    main()
