"""Benchmark: peak memory of the server while it exports 10,000,000 rows as CSV through
the API, in file order and sorted.

A fresh ``gongshu serve`` (gunicorn, 2 workers × 4 threads, its defaults) is started for
each export against the var dir that ``tabular_query.py`` prepares (the same 10,000,000
ingested rows), so each worker's high-water mark belongs to that export alone. The
export is downloaded with ``http.client`` over loopback in 1 MiB reads and counted.

Memory, in MB (10^6 bytes):

- **worker peak**: ``VmHWM`` from ``/proc/<pid>/status`` of the worker that served (the
  one whose high-water mark rose), read before the server is stopped;
- **server PSS peak**: the largest sum of the proportional set size (``Pss`` of
  ``/proc/<pid>/smaps_rollup``) over master and both workers, sampled every 50 ms: the
  memory the server holds, each page counted once — the issue's "peak RSS of the
  server" without counting the master's copy-on-write pages three times;
- **worker + master**: the worker's ``VmHWM`` plus the master's, which counts the pages
  they share twice;
- **tree peak**: the largest sum of ``VmRSS`` over master and both workers, sampled
  every 50 ms during the download (includes the idle worker).

``--config 'LABEL:KEY=VALUE,KEY=VALUE'`` (repeatable) runs the same exports under other
GONGSHU_* settings, e.g. ``'1 thread:GONGSHU_EXPORT_THREADS=1'``.

    .venv/bin/python benchmarks/tabular_export_memory.py [--rows 10000000]
        [--sort=-vehicle_count] [--config ...] [--markdown]
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate_table
import tabular_query

LIMIT_MB = 300


def _status(pid: int, key: str) -> int:
    """``VmRSS`` / ``VmHWM`` of /proc/<pid>/status, in bytes."""
    return generate_table.proc_bytes(pid, "status", key)


def _pss(pid: int) -> int:
    """Proportional set size in bytes: private pages plus an equal share of the pages it
    shares (the master's copy-on-write Django with both workers), so that summing it over
    a process tree counts every page once."""
    return generate_table.proc_bytes(pid, "smaps_rollup", "Pss")


def export_once(var_dir: Path, params: list[tuple[str, str]], env: dict[str, str]) -> dict:
    with tabular_query.Server(var_dir, env) as server:
        master = server.process.pid
        workers = server.worker_pids()
        before = {pid: _status(pid, "VmHWM") for pid in workers}
        tree_peak = 0
        stop = threading.Event()

        pss_before = sum(_pss(pid) for pid in [master, *workers])
        pss_peak = 0

        def sample() -> None:
            nonlocal tree_peak, pss_peak
            while not stop.is_set():
                total = sum(_status(pid, "VmRSS") for pid in [master, *workers])
                tree_peak = max(tree_peak, total)
                pss_peak = max(pss_peak, sum(_pss(pid) for pid in [master, *workers]))
                stop.wait(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        counted = {"bytes": 0, "lines": 0}

        def sink(chunk: bytes) -> None:
            counted["bytes"] += len(chunk)
            counted["lines"] += chunk.count(b"\n")

        load = generate_table.load_average()
        started = time.perf_counter()
        status, body = server.get(
            f"/api/v1/datasets/{tabular_query.DATASET}/export.csv", params, sink=sink
        )
        seconds = time.perf_counter() - started
        stop.set()
        sampler.join()
        assert status == 200, body[:500]
        after = {pid: _status(pid, "VmHWM") for pid in workers}
        served = max(workers, key=lambda pid: after[pid] - before[pid])
        worker = after[served]
        master_hwm = _status(master, "VmHWM")
    return {
        "seconds": round(seconds, 1),
        "mb": round(counted["bytes"] / 1e6, 1),
        "rows": counted["lines"] - 1,
        "worker_before_mb": round(before[served] / 1e6),
        "worker_peak_mb": round(worker / 1e6),
        "master_peak_mb": round(master_hwm / 1e6),
        "worker_plus_master_mb": round((worker + master_hwm) / 1e6),
        "tree_peak_mb": round(tree_peak / 1e6),
        "tree_pss_before_mb": round(pss_before / 1e6),
        "tree_pss_peak_mb": round(pss_peak / 1e6),
        "load_average": load,
    }


def _config(text: str) -> tuple[str, dict[str, str]]:
    label, _sep, pairs = text.partition(":")
    env = dict(pair.split("=", 1) for pair in pairs.split(",") if pair)
    return label, env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--sort", default="-vehicle_count")
    parser.add_argument("--config", action="append", type=_config, default=[])
    parser.add_argument("--work", default=generate_table.WORK)
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()

    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console()
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    var_dir = tabular_query.prepare_var_dir(args.rows, work)
    info = generate_table.machine()
    configs = [("defaults", {}), *args.config]
    exports = [("file order", []), (f"sort={args.sort}", [("sort", args.sort)])]
    results = []
    with Progress(
        TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=console
    ) as progress:
        task = progress.add_task("exports", total=len(configs) * len(exports))
        for label, env in configs:
            for name, params in exports:
                progress.update(task, description=f"{label}: {name}")
                result = {"config": label, "export": name, **export_once(var_dir, params, env)}
                assert result["rows"] == args.rows, result
                results.append(result)
                progress.console.print(f"  {label}, {name}: {json.dumps(result)}")
                progress.advance(task)
    console.print_json(json.dumps({"machine": info, "results": results}, ensure_ascii=False))
    if args.json:
        Path(args.json).write_text(
            json.dumps({"machine": info, "results": results}, ensure_ascii=False)
        )
    if args.markdown:
        lines = [
            "| settings | export | time | MB/s | worker before | worker peak | "
            f"server PSS before | server PSS peak | ÷ {LIMIT_MB} MB | worker + master RSS |"
            " tree RSS peak |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in results:
            lines.append(
                f"| {r['config']} | {r['export']} | {r['seconds']} s | "
                f"{r['mb'] / r['seconds']:.0f} | {r['worker_before_mb']} MB | "
                f"{r['worker_peak_mb']} MB | {r['tree_pss_before_mb']} MB | "
                f"**{r['tree_pss_peak_mb']} MB** | {r['tree_pss_peak_mb'] / LIMIT_MB:.2f} | "
                f"{r['worker_plus_master_mb']} MB | {r['tree_peak_mb']} MB |"
            )
        print("\n".join(lines))


if __name__ == "__main__":
    main()
