"""The job spec: the one plain dict an executor receives (the seam between the compute
service and where a job runs).

``build_spec(job, inputs)`` writes it from a Job row and its gated inputs (files the
service materialized under the gate's lease, holding only the declared fields of the rows
the Decision lets the job see). It is JSON-able and holds no Django object, so a Ray task
can carry it to the node the job was placed on and hand it to ``child.run_spec`` there::

    {
      "version": 1,
      "job": "c5f3…",                    # Job.uid
      "kind": "python" | "sql",
      "code": "def run(inputs): …",     # or one SELECT over views named like the inputs
      "outputs": ["by_carrier"],          # declared output names, in order
      "inputs": [{"name": "flights", "path": "/…/in0.parquet", "columns": ["carrier", …]}],
      "limits": {"wall_seconds": 120, "cpu_seconds": 120, "memory_bytes": …,
                 "fsize_bytes": …, "max_answer_bytes": …},
      "work_dir": "/…/compute-work",      # where child.py makes the job's directory
    }

An executor answers ``{"outputs": {name: Arrow IPC bytes}, "cpu": seconds}`` or raises
``child.Failed(kind, message)`` (kind: time, cpu, memory, too_large, isolation, error).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from gongshu.compute import rules

SPEC_VERSION = 1
MIB = 1 << 20


@dataclass(frozen=True)
class GatedInput:
    """One declared input as the gate handed it to the job: a file of its declared fields."""

    name: str
    path: str
    columns: list[str]


def limits(job: Any) -> dict[str, int]:
    """The job's limits: what it asked for, never above the rules' caps."""
    asked = job.limits or {}
    wall_cap = int(rules.value("max-wall-seconds"))
    memory_cap = int(rules.value("max-memory-mib"))
    wall = max(1, min(int(asked.get("wall_seconds", wall_cap)), wall_cap))
    memory = max(128, min(int(asked.get("memory_mib", memory_cap)), memory_cap))
    return {
        "wall_seconds": wall,
        "cpu_seconds": max(1, min(int(asked.get("cpu_seconds", wall)), wall)),
        "memory_bytes": memory * MIB,
        "fsize_bytes": 64 * MIB,
        "max_answer_bytes": 4 * int(rules.value("max-bytes")),
    }


def work_dir() -> str:
    return str(getattr(settings, "COMPUTE_WORK_DIR", None) or settings.DATA_DIR / "compute-work")


def build_spec(job: Any, inputs: list[GatedInput], *, code: str | None = None) -> dict[str, Any]:
    """The spec of ``job`` over its gated ``inputs`` (``code`` replaces the job's own,
    for DP jobs whose SQL Gongshu writes)."""
    return {
        "version": SPEC_VERSION,
        "job": job.uid,
        "kind": "sql" if job.kind in ("sql", "dp") else "python",
        "code": job.code if code is None else code,
        "outputs": list(job.outputs),
        "inputs": [{"name": i.name, "path": i.path, "columns": list(i.columns)} for i in inputs],
        "limits": limits(job),
        "work_dir": work_dir(),
    }


def node_dict(node: Any) -> dict[str, Any]:
    """The node a job was placed on, as plain data for an executor."""
    if node is None:
        return {}
    return {
        "code": node.code,
        "hub": node.hub,
        "region": node.region,
        "ray_resource": node.ray_resource,
    }
