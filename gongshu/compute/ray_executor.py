"""The Ray executor: a job's spec (spec.py) runs as a Ray task pinned to the node the
scheduler placed it on, through that node's custom resource (``ray_resource`` in
data/nodes.json), and the task runs the same sandbox child as the local executor
(``child.run_spec``: a fresh ``python -I worker.py`` in new user/network/mount namespaces,
chrooted, with its limits). The Ray worker process itself runs only Gongshu's code; the
job's code runs in the sandbox child it starts.

``run(spec, node) -> {"outputs": {name: Arrow IPC bytes}, "cpu": s, "ray_node": id}``;
a job's own failure raises ``child.Failed`` (as the local executor), a cluster's failure
(not configured, unreachable, no node with the resource, no slot in time, a node lost)
raises ``RayUnavailable``.

**Ray is not a security boundary.** Ray's processes accept any connection that reaches
them and run what it submits (CVE-2023-48022, "ShadowRay"); the GCS, raylets and object
managers listen on every interface, and ``ray start`` turns ``--node-ip-address=127.0.0.1``
into the machine's routable address. So:

- the address (``settings.COMPUTE_RAY_ADDRESS``, env ``GONGSHU_RAY_ADDRESS``, ``host:port``
  of the head's GCS) must name a loopback or private address — checked here, every resolved
  address; ``auto``, an empty address (which would start a new local cluster with a
  dashboard) and Ray Client ``ray://`` addresses are refused;
- the cluster's hosts sit on a private network that only Gongshu reaches (firewall the
  Ray ports from everything else); the dashboard is never started
  (``--include-dashboard=false``) and the job API never exposed;
- Ray's token authentication (``RAY_AUTH_MODE=token``, in the Ray 2.60 used here) is
  used when ``settings.COMPUTE_RAY_TOKEN_PATH`` (env ``GONGSHU_RAY_TOKEN_PATH``) names the
  token file every node was started with; a driver without it is refused (tested).

Inputs: by default the driver reads each gated input file (only its declared fields of the
rows the Decision allows, as the service wrote it) and ships the bytes with the task; the
task writes them into a private directory on the node, runs the child, and deletes them
whatever happens. With ``settings.COMPUTE_RAY_SHARED_INPUTS = True`` the paths are taken to
be readable on every node (shared storage) and nothing is shipped.

``LocalCluster`` starts a cluster of node processes on this machine (tests, benchmarks and
development only) and stops exactly the processes it started.

This module imports neither Django (only inside ``_setting``) nor Ray (only when used), so
a Ray worker can import it to run ``_task``.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import logging
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from gongshu.compute import child

log = logging.getLogger(__name__)

DEFAULT_QUEUE_SECONDS = 600.0  # how long a job may wait for a slot on its node
_lock = threading.Lock()
_connected: dict[str, Any] = {}
_remote_task: Any = None


class RayUnavailable(RuntimeError):
    """The Ray cluster could not run the job (not the job's own failure)."""


# --- settings ----------------------------------------------------------------------------


def _setting(name: str, env: str | None, default: Any) -> Any:
    """Django's setting ``name`` when Django is configured, else the environment."""
    try:
        from django.conf import settings

        if settings.configured and hasattr(settings, name):
            value = getattr(settings, name)
            if value not in (None, ""):
                return value
    except ImportError:
        pass
    return os.environ.get(env, default) if env else default


def configured_address() -> str:
    return str(_setting("COMPUTE_RAY_ADDRESS", "GONGSHU_RAY_ADDRESS", "") or "")


def token_path() -> str:
    return str(_setting("COMPUTE_RAY_TOKEN_PATH", "GONGSHU_RAY_TOKEN_PATH", "") or "")


def check_address(address: str) -> str:
    """``address`` (``host:port``) when every address its host resolves to is loopback or
    private; RayUnavailable otherwise. Never ``auto``, empty or a Ray Client address."""
    address = (address or "").strip()
    if not address:
        raise RayUnavailable(
            "no Ray cluster is configured (settings.COMPUTE_RAY_ADDRESS / GONGSHU_RAY_ADDRESS)"
        )
    if address in ("auto", "local") or "://" in address:
        raise RayUnavailable(f"the Ray address must be host:port, not {address!r}")
    host, sep, port = address.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise RayUnavailable(f"the Ray address must be host:port, not {address!r}")
    try:
        found: set[str] = {
            str(info[4][0]) for info in socket.getaddrinfo(host, int(port), type=socket.SOCK_STREAM)
        }
    except OSError as exc:
        raise RayUnavailable(f"the Ray host {host!r} does not resolve: {exc}") from exc
    for ip in found:
        parsed = ipaddress.ip_address(ip.split("%")[0])
        if not (parsed.is_loopback or parsed.is_private) or parsed.is_unspecified:
            raise RayUnavailable(
                f"the Ray address {address!r} resolves to {ip}, which is neither loopback "
                "nor private: Ray has no authentication of its own (CVE-2023-48022)"
            )
    return address


# --- the driver side ---------------------------------------------------------------------


def connect(address: str | None = None) -> Any:
    """The ``ray`` module, connected to the configured cluster (once per process)."""
    address = check_address(configured_address() if address is None else address)
    with _lock:
        import ray

        if ray.is_initialized() and _connected.get("address") == address:
            return ray
        if ray.is_initialized():
            ray.shutdown()
        token = token_path()
        if token:
            if not Path(token).is_file():
                raise RayUnavailable(f"the Ray token file {token} does not exist")
            os.environ["RAY_AUTH_MODE"] = "token"
            os.environ["RAY_AUTH_TOKEN_PATH"] = token
            with contextlib.suppress(Exception):  # Ray reads its config once; refresh it
                from ray._raylet import Config  # type: ignore[attr-defined]

                Config.initialize("")
        try:
            ray.init(
                address=address,
                namespace="gongshu",
                log_to_driver=False,
                logging_level=logging.WARNING,
                include_dashboard=False,
            )
        except Exception as exc:
            raise RayUnavailable(f"cannot connect to the Ray cluster at {address}: {exc}") from exc
        _connected["address"] = address
        return ray


def disconnect() -> None:
    with _lock:
        import ray

        if ray.is_initialized():
            ray.shutdown()
        _connected.clear()


def _remote(ray: Any) -> Any:
    global _remote_task
    if _remote_task is None:
        _remote_task = ray.remote(_task)
    return _remote_task


def submit(spec: dict[str, Any], node: dict[str, Any]) -> Any:
    """Submit the spec as a task pinned to ``node``'s Ray resource; its ObjectRef."""
    resource = (node or {}).get("ray_resource") or ""
    if not resource:
        raise RayUnavailable("the job was placed on no node with a Ray resource")
    ray = connect()
    if resource not in ray.cluster_resources():
        raise RayUnavailable(
            f"no Ray node offers the resource {resource!r} (node {node.get('code')})"
        )
    shared = bool(_setting("COMPUTE_RAY_SHARED_INPUTS", None, False))
    blobs = None if shared else [Path(i["path"]).read_bytes() for i in spec["inputs"]]
    slot = float(_setting("COMPUTE_RAY_SLOT", None, 1.0))
    return (
        _remote(ray)
        .options(
            resources={resource: slot},
            num_cpus=0,  # the node's resource counts its job slots; the child has its limits
            max_retries=0,  # a job runs at most once (its DP budget was charged once)
            name=f"gongshu-job-{spec.get('job', '')}",
        )
        .remote(spec, blobs)
    )


def collect(ref: Any, spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """Wait for a submitted job; its answer, or Failed / RayUnavailable."""
    import ray
    from ray.exceptions import GetTimeoutError, RayError

    queue = float(_setting("COMPUTE_RAY_QUEUE_SECONDS", None, DEFAULT_QUEUE_SECONDS))
    timeout = float(spec["limits"]["wall_seconds"]) + queue
    try:
        answer = ray.get(ref, timeout=timeout)
    except GetTimeoutError as exc:
        with contextlib.suppress(Exception):
            ray.cancel(ref, force=True)
        raise RayUnavailable(
            f"the node {node.get('code')} ({node.get('ray_resource')}) did not finish the job "
            f"within {timeout:.0f} s"
        ) from exc
    except RayError as exc:
        raise RayUnavailable(f"the Ray task failed: {type(exc).__name__}: {exc}"[:500]) from exc
    if not answer["ok"]:
        raise child.Failed(answer["kind"], answer["message"], answer["cpu"])
    return {"outputs": answer["outputs"], "cpu": answer["cpu"], "ray_node": answer["node_id"]}


def run(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """The executor: run ``spec`` on ``node`` (spec.node_dict) through Ray."""
    return collect(submit(spec, node), spec, node)


# --- the node side -----------------------------------------------------------------------


def _node_work_dir(spec: dict[str, Any]) -> str:
    """The spec's work directory where this node can make it, else the node's temp dir."""
    for candidate in (spec.get("work_dir"), os.path.join(tempfile.gettempdir(), "gongshu-compute")):
        if not candidate:
            continue
        try:
            Path(candidate).mkdir(parents=True, exist_ok=True, mode=0o700)
            if os.access(candidate, os.W_OK | os.X_OK):
                return str(candidate)
        except OSError:
            continue
    raise OSError("no writable work directory on this node")


def _task(spec: dict[str, Any], blobs: list[bytes] | None) -> dict[str, Any]:
    """On the Ray node: stage the shipped inputs, run the sandbox child, delete the inputs."""
    import ray

    node_id = ray.get_runtime_context().get_node_id()
    staged: Path | None = None
    try:
        work = _node_work_dir(spec)
        spec = {**spec, "work_dir": work}
        if blobs is not None:
            staged = Path(tempfile.mkdtemp(prefix="in-", dir=work))
            inputs = []
            for number, (declared, blob) in enumerate(zip(spec["inputs"], blobs, strict=True)):
                path = staged / f"in{number}.parquet"
                path.write_bytes(blob)
                path.chmod(0o400)
                inputs.append({**declared, "path": str(path)})
            spec["inputs"] = inputs
        outputs, cpu = child.run_spec(spec)
        return {"ok": True, "outputs": outputs, "cpu": cpu, "node_id": node_id}
    except child.Failed as failed:
        return {"ok": False, "kind": failed.kind, "message": failed.message, "cpu": failed.cpu,
                "node_id": node_id}  # fmt: skip
    except OSError as exc:
        return {"ok": False, "kind": "isolation", "message": str(exc)[:300], "cpu": 0.0,
                "node_id": node_id}  # fmt: skip
    finally:
        if staged is not None:
            shutil.rmtree(staged, ignore_errors=True)


# --- a cluster on this machine (tests, benchmarks, development) ----------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalCluster:
    """A Ray head plus more node processes on this machine, each with its own custom
    resources, token authentication on, no dashboard, a small object store, all state in
    one temporary directory. ``stop()`` ends the process groups it started and nothing
    else (never ``ray stop``, which ends every Ray process of the machine).

        with LocalCluster([{"hub-a": 4}, {"hub-b": 4}]) as cluster:
            os.environ["GONGSHU_RAY_ADDRESS"] = cluster.address
    """

    def __init__(
        self,
        nodes: list[dict[str, float]],
        *,
        num_cpus: int = 1,
        object_store_memory: int = 100_000_000,
        token: bool = True,
        ray: str | None = None,
    ) -> None:
        self.nodes = nodes
        self.num_cpus = num_cpus
        self.object_store_memory = object_store_memory
        self.token = token
        self.ray = ray or str(Path(sys.executable).with_name("ray"))
        self.processes: list[subprocess.Popen] = []
        self._fresh()

    def _fresh(self) -> None:
        # Short: Ray's Unix sockets live under it (108 bytes at most).
        self.temp_dir = tempfile.mkdtemp(prefix="gsray-", dir="/tmp")
        self.port = free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.token_path = os.path.join(self.temp_dir, "auth_token")

    def env(self) -> dict[str, str]:
        env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0"}
        env.pop("RAY_ADDRESS", None)
        if self.token:
            env.update(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN_PATH=self.token_path)
        else:
            env["RAY_AUTH_MODE"] = "disabled"
        return env

    def _start(self, resources: dict[str, float], head: bool, number: int) -> None:
        args = [
            self.ray, "start", "--block", "--disable-usage-stats",
            "--node-ip-address=127.0.0.1",
            f"--resources={json.dumps(resources)}",
            f"--num-cpus={self.num_cpus}",
            f"--object-store-memory={self.object_store_memory}",
            f"--node-manager-port={free_port()}",
            f"--object-manager-port={free_port()}",
            f"--dashboard-agent-listen-port={free_port()}",
            f"--dashboard-agent-grpc-port={free_port()}",
            f"--runtime-env-agent-port={free_port()}",
            f"--metrics-export-port={free_port()}",
        ]  # fmt: skip
        if head:
            args += [
                "--head",
                f"--port={self.port}",
                "--include-dashboard=false",
                f"--temp-dir={self.temp_dir}",
            ]
        else:
            args.append(f"--address={self.address}")
        log_file = open(os.path.join(self.temp_dir, f"node{number}.log"), "wb")  # noqa: SIM115
        try:
            self.processes.append(
                subprocess.Popen(  # noqa: S603
                    args,
                    env=self.env(),
                    stdin=subprocess.DEVNULL,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # its own group: stop() ends it and its children
                )
            )
        finally:
            log_file.close()

    def start(self, timeout: float = 180.0, attempts: int = 3) -> LocalCluster:
        """Start the nodes; again from scratch when Ray gives up (``ray start`` allows a
        raylet 30 s to register, which a loaded machine can miss)."""
        for attempt in range(1, attempts + 1):
            try:
                return self._start_all(timeout)
            except RayUnavailable as exc:
                if attempt == attempts:
                    raise
                log.warning("Ray cluster start failed (attempt %d), again: %s", attempt, exc)
                self._fresh()
        return self

    def _start_all(self, timeout: float) -> LocalCluster:
        try:
            if self.token:
                Path(self.token_path).write_text(secrets.token_hex(32))
                os.chmod(self.token_path, 0o600)
            deadline = time.monotonic() + timeout
            self._start(self.nodes[0], True, 0)
            self._wait_started(0, deadline)
            for number, resources in enumerate(self.nodes[1:], start=1):
                self._start(resources, False, number)
            for number in range(1, len(self.nodes)):
                self._wait_started(number, deadline)
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_started(self, number: int, deadline: float) -> None:
        """Wait for ``ray start`` of node ``number`` to say its node runs."""
        while time.monotonic() < deadline:
            if "Ray runtime started" in self.log(number):
                return
            if self.processes[number].poll() is not None:
                raise RayUnavailable(f"ray start exited: {self.log(number)[-2000:]}")
            time.sleep(0.3)
        raise RayUnavailable(f"Ray node {number} did not start in time: {self.log(number)[-2000:]}")

    def wait_ready(self, ray: Any, timeout: float = 180.0) -> None:
        """Wait until every node's resources are in the cluster (``ray`` connected)."""
        wanted = {name for resources in self.nodes for name in resources}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if wanted <= set(ray.cluster_resources()):
                return
            for number, process in enumerate(self.processes):
                if process.poll() is not None:
                    raise RayUnavailable(f"ray start exited: {self.log(number)[-2000:]}")
            time.sleep(0.5)
        raise RayUnavailable(f"the Ray nodes did not join within {timeout:.0f} s")

    def log(self, number: int) -> str:
        with contextlib.suppress(OSError):
            return Path(self.temp_dir, f"node{number}.log").read_text(errors="replace")
        return ""

    def stop(self, grace: float = 5.0) -> None:
        """End the process groups this cluster started (SIGTERM, then SIGKILL), then
        delete its directory."""
        groups = [p.pid for p in self.processes]
        for process in reversed(self.processes):  # the other nodes, then the head
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for process in self.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(max(0.1, deadline - time.monotonic()))
        while time.monotonic() < deadline and any(_group_alive(g) for g in groups):
            time.sleep(0.2)
        for group in groups:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(group, signal.SIGKILL)
        for process in self.processes:
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(5)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_group_alive(g) for g in groups):
            time.sleep(0.1)
        self.processes = []
        shutil.rmtree(self.temp_dir, ignore_errors=True)

    def __enter__(self) -> LocalCluster:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _group_alive(group: int) -> bool:
    """Whether a live (not zombie) process is in process group ``group``."""
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] not in (b"Z", b"X"):
            return True
    return False
