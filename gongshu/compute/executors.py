"""Executors: where a job's spec (spec.py) runs. ``settings.COMPUTE_EXECUTORS`` maps a
name to the dotted path of ``run(spec, node) -> {"outputs": {name: bytes}, "cpu": s}``;
the path is imported when a job asks for that executor, so an optional executor's
dependencies (Ray) load only where it is used.

- ``local`` (default): the sandboxed child process on this machine (child.py/worker.py).
- ``ray``: ``gongshu.compute.ray_executor.run`` — the same child, inside a Ray task on the
  node the job was placed on (its ``ray_resource``). Ray has no authentication of its own
  (CVE-2023-48022): bind it to loopback or a private address, never expose its dashboard
  or job API; only Gongshu submits to it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils.module_loading import import_string

from gongshu.compute import child

DEFAULT = {
    "local": "gongshu.compute.executors.run_local",
    "ray": "gongshu.compute.ray_executor.run",
}

Executor = Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]]


def table() -> dict[str, str]:
    return getattr(settings, "COMPUTE_EXECUTORS", None) or DEFAULT


def names() -> list[str]:
    return list(table())


def get(name: str) -> Executor:
    """The executor called ``name``; KeyError when there is none."""
    executor: Executor = import_string(table()[name])
    return executor


def run_local(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Run the spec in a sandboxed child of this process (``node`` is where the scheduler
    placed it; the local executor stands in for every node)."""
    outputs, cpu = child.run_spec(spec)
    return {"outputs": outputs, "cpu": cpu}
