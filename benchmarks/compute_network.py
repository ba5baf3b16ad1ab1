"""Benchmark: a discrete-event simulation of the national compute network (issue 19).

The 8 hubs and 10 clusters of ``gongshu/compute/data/nodes.json`` (cores, PUE, green-power
share, price per core-hour, approval for important data) and the hub-to-hub latency of
``gongshu/compute/network.py``, a stream of jobs with data locality, and five placement
policies, compared as the offered load grows from 10 % to 150 % of the network's cores:

- ``home`` (the baseline of compute-to-data taken literally): always the data's own node,
  queueing there when it is full — the data never moves;
- ``nearest``: least latency from the hub holding the job's data (the data's own node first);
- ``west`` (东数西算): batch jobs to the western hubs first, the cheapest there; interactive
  jobs as ``nearest``;
- ``greenest``: highest green-power share, then lowest PUE;
- ``cheapest``: lowest price per core-hour.

**Where a job may run** (as ``gongshu/compute/placement.py``): core data only on its
provider's own node (the node holding it), important data only on nodes approved for it or
its own node, general data anywhere.

**The scheduler**: each node is a pool of cores with one FIFO queue. On arrival a job
starts on the first node in its policy's order that has the cores free and nobody queued;
when none has, it joins the queue of the allowed node with the least queued work per core
(ties in policy order). A queued job never moves. Same jobs (common random numbers) for
every policy at a load; the load scales the arrival rate only.

**Jobs**: 80 % interactive (1-8 cores, exponential 15 min mean), 20 % batch (16-256 cores,
log-normal 3 h mean); data at a node weighted to the east (75 % of the data, 40 % of the
cores); levels general 75 %, important 20 %, core 5 %.

**Measured** over the jobs arriving after the first 10 % (warm-up) and up to the last arrival
(queued jobs drain after it): utilisation (busy core-hours over capacity), queueing delay
(arrival to start; mean, p95; interactive p95; core-data mean), yuan per core-hour,
PUE-weighted energy per core-hour (``watts-per-core`` of rules/vetting.json × PUE), the
green share of that energy, the latency from the data's hub for interactive jobs, and the
share of batch core-hours run in the west.

    .venv/bin/python benchmarks/compute_network.py [--jobs 1000000] [--seed 19]
        [--loads 10,30,50,60,70,80,90,100,110,130,150]
        [--policies home,nearest,west,greenest,cheapest]
        [--svg docs/img/compute_network.svg] [--markdown]

``--jobs`` is the number of jobs at each (policy, load) point; the run prints its wall time and
jobs a second. The simulation functions (``load_network``, ``generate``, ``simulate``,
``measure``, ``peak_busy``) are plain numpy/heapq, without Django, so
tests/compute/test_network_simulation.py checks their invariants on a small run.
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import sys
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from gongshu.compute import network as compute_network  # noqa: E402  (no Django)

POLICIES = ("home", "nearest", "west", "greenest", "cheapest")
LEVELS = ("general", "important", "core")
GENERAL, IMPORTANT, CORE = range(3)
RULES_FILE = ROOT / "gongshu" / "compute" / "rules" / "vetting.json"
# Where data is produced: weighted to the eastern hubs (by node code; illustrative).
DATA_WEIGHTS = {
    "zhangjiakou": 0.20, "yrd-demo-zone": 0.25, "wuhu": 0.10, "shaoguan": 0.20,
    "tianfu": 0.08, "chongqing": 0.05, "horinger": 0.03, "guian": 0.04, "qingyang": 0.02,
    "zhongwei": 0.03,
}  # fmt: skip


def watts_per_core() -> float:
    """The rules' ``watts-per-core`` (10 W when the row is absent)."""
    try:
        rows = json.loads(RULES_FILE.read_text(encoding="utf-8"))["rules"]
        return float(next(r["value"] for r in rows if r["id"] == "watts-per-core"))
    except (OSError, StopIteration, KeyError, ValueError):
        return 10.0


@dataclass(frozen=True)
class Network:
    codes: tuple[str, ...]
    hubs: tuple[str, ...]
    west: np.ndarray  # bool per node
    cores: np.ndarray  # int per node
    pue: np.ndarray
    green: np.ndarray
    price: np.ndarray
    approved: np.ndarray  # bool: approved for important data
    latency: np.ndarray  # ms, node x node (between their hubs)

    @property
    def size(self) -> int:
        return len(self.codes)


def load_network() -> Network:
    data = compute_network.network()
    nodes = data["nodes"]
    hubs = tuple(n["hub"] for n in nodes)
    return Network(
        codes=tuple(n["code"] for n in nodes),
        hubs=hubs,
        west=np.array([compute_network.region_of(h) == "west" for h in hubs]),
        cores=np.array([int(n["cores"]) for n in nodes]),
        pue=np.array([float(n["pue"]) for n in nodes]),
        green=np.array([float(n["green_share"]) for n in nodes]),
        price=np.array([float(n["price_per_core_hour"]) for n in nodes]),
        approved=np.array([bool(n["approved_for_important"]) for n in nodes]),
        latency=np.array([[compute_network.latency_ms(a, b) for b in hubs] for a in hubs]),
    )


def allowed(net: Network, home: int, level: int) -> list[int]:
    """The nodes a job whose data sits on node ``home`` at ``level`` may run on."""
    if level == CORE:
        return [home]
    if level == IMPORTANT:
        return [i for i in range(net.size) if net.approved[i] or i == home]
    return list(range(net.size))


def preferences(net: Network, policy: str, batch: bool, home: int, level: int) -> tuple[int, ...]:
    """The allowed nodes in the policy's order of preference."""
    nodes = allowed(net, home, level)

    def near(i: int) -> tuple:
        return (net.latency[home, i], i != home, net.price[i], net.codes[i])

    if policy == "home":
        return (home,)
    if policy == "nearest" or (policy == "west" and not batch):
        key = near
    elif policy == "west":

        def key(i: int) -> tuple:
            return (0, net.price[i], *near(i)) if net.west[i] else (1, *near(i))

    elif policy == "greenest":

        def key(i: int) -> tuple:
            return (-net.green[i], net.pue[i], *near(i))

    elif policy == "cheapest":

        def key(i: int) -> tuple:
            return (net.price[i], *near(i))

    else:
        raise ValueError(f"unknown policy {policy!r}; one of {', '.join(POLICIES)}")
    return tuple(sorted(nodes, key=key))


@dataclass(frozen=True)
class Jobs:
    """A job stream; times in hours."""

    arrival: np.ndarray
    cores: np.ndarray
    hours: np.ndarray
    batch: np.ndarray
    home: np.ndarray
    level: np.ndarray
    gb: np.ndarray  # the size of the job's input data

    def __len__(self) -> int:
        return len(self.arrival)

    @property
    def work(self) -> np.ndarray:
        return self.cores * self.hours


def generate(net: Network, n: int, load: float, seed: int = 19) -> Jobs:
    """``n`` jobs offering ``load`` (1.0 = every core busy) to ``net``. The same seed gives
    the same jobs at every load, only the arrivals are scaled."""
    rng = np.random.default_rng(seed)
    batch = rng.random(n) < 0.20
    cores = np.where(
        batch,
        rng.choice([16, 32, 64, 128, 256], n, p=[0.30, 0.30, 0.20, 0.15, 0.05]),
        rng.choice([1, 2, 4, 8], n, p=[0.40, 0.30, 0.20, 0.10]),
    )
    sigma = 1.0  # log-normal batch run times, 3 h mean
    hours = np.where(
        batch,
        rng.lognormal(math.log(3.0) - sigma**2 / 2, sigma, n),
        rng.exponential(0.25, n),
    )
    weights = np.array([DATA_WEIGHTS.get(code, 0.01) for code in net.codes])
    home = rng.choice(net.size, n, p=weights / weights.sum())
    level = rng.choice(3, n, p=[0.75, 0.20, 0.05])
    gb = np.where(batch, rng.lognormal(math.log(100.0) - 0.5, 1.0, n), rng.exponential(1.0, n))
    gaps = rng.exponential(1.0, n)
    # Arrival rate so that the offered work is ``load`` x capacity over the stream.
    rate = load * float(net.cores.sum()) / float((cores * hours).mean())
    arrival = np.cumsum(gaps) / rate
    return Jobs(arrival, cores.astype(np.int64), hours, batch, home.astype(np.int64), level, gb)


@dataclass
class Result:
    node: np.ndarray  # where each job ran
    start: np.ndarray  # when it started (hours)
    finished: int  # jobs that ran to the end
    placed: int  # placement decisions made (one per job)


def simulate(net: Network, jobs: Jobs, policy: str) -> Result:
    """Run the stream through the network under ``policy`` until every job has finished."""
    size = net.size
    table: dict[int, tuple[int, ...]] = {}
    for batch in (0, 1):
        for level in range(3):
            for home in range(size):
                table[(batch * 3 + level) * size + home] = preferences(
                    net, policy, bool(batch), home, level
                )
    keys = ((jobs.batch.astype(np.int64) * 3 + jobs.level) * size + jobs.home).tolist()
    arrival = jobs.arrival.tolist()
    need = jobs.cores.tolist()
    hours = jobs.hours.tolist()
    work = jobs.work.tolist()
    n = len(arrival)
    node = [-1] * n
    start = [0.0] * n
    free = net.cores.tolist()
    per_core = (1.0 / net.cores).tolist()
    queues: list[deque[int]] = [deque() for _ in range(size)]
    backlog = [0.0] * size  # queued core-hours per node
    running: list[tuple[float, int, int]] = []  # (end, node, cores)
    push, pop = heapq.heappush, heapq.heappop
    finished = placed = 0

    def release(now: float, i: int) -> None:
        queue = queues[i]
        while queue and need[queue[0]] <= free[i]:
            j = queue.popleft()
            k = need[j]
            free[i] -= k
            backlog[i] -= work[j]
            start[j] = now
            push(running, (now + hours[j], i, k))

    for j in range(n):
        now = arrival[j]
        while running and running[0][0] <= now:
            end, i, k = pop(running)
            free[i] += k
            finished += 1
            if queues[i]:
                release(end, i)
        k = need[j]
        prefs = table[keys[j]]
        placed += 1
        for i in prefs:
            if free[i] >= k and not queues[i]:
                free[i] -= k
                node[j] = i
                start[j] = now
                push(running, (now + hours[j], i, k))
                break
        else:
            best = prefs[0]
            least = backlog[best] * per_core[best]
            for i in prefs[1:]:
                wait = backlog[i] * per_core[i]
                if wait < least:
                    best, least = i, wait
            node[j] = best
            queues[best].append(j)
            backlog[best] += work[j]
    while running:
        end, i, k = pop(running)
        free[i] += k
        finished += 1
        if queues[i]:
            release(end, i)
    return Result(np.array(node), np.array(start), finished, placed)


def peak_busy(net: Network, jobs: Jobs, result: Result) -> np.ndarray:
    """The most cores busy at once on each node (ends before starts at equal times)."""
    end = result.start + jobs.hours
    peaks = np.zeros(net.size, dtype=np.int64)
    for i in range(net.size):
        mine = result.node == i
        times = np.concatenate([end[mine], result.start[mine]])
        deltas = np.concatenate([-jobs.cores[mine], jobs.cores[mine]])
        order = np.lexsort((deltas, times))  # at a tie, releases (negative) first
        busy = np.cumsum(deltas[order])
        peaks[i] = busy.max() if len(busy) else 0
    return peaks


def measure(net: Network, jobs: Jobs, result: Result, warmup: float = 0.10) -> dict[str, float]:
    """The metrics of one run over the jobs arriving after the warm-up."""
    n = len(jobs)
    first = int(n * warmup)
    t0, t1 = float(jobs.arrival[first]), float(jobs.arrival[-1])
    node, start, end = result.node, result.start, result.start + jobs.hours
    overlap = np.clip(np.minimum(end, t1) - np.maximum(start, t0), 0.0, None) * jobs.cores
    span = t1 - t0
    busy_west = overlap[net.west[node]].sum()
    cores_west = net.cores[net.west].sum()
    m = slice(first, n)
    wait = (start - jobs.arrival)[m]
    work = jobs.work[m]
    mnode = node[m]
    batch = jobs.batch[m]
    interactive = ~batch
    core = jobs.level[m] == CORE
    energy = work * net.pue[mnode]
    return {
        "utilisation": float(overlap.sum() / (net.cores.sum() * span)),
        "utilisation_east": float(
            (overlap.sum() - busy_west) / ((net.cores.sum() - cores_west) * span)
        ),
        "utilisation_west": float(busy_west / (cores_west * span)),
        "wait_mean_h": float(wait.mean()),
        "wait_p95_h": float(np.percentile(wait, 95)),
        "interactive_wait_p95_h": float(np.percentile(wait[interactive], 95)),
        "core_wait_mean_h": float(wait[core].mean()) if core.any() else 0.0,
        "yuan_per_core_hour": float((work * net.price[mnode]).sum() / work.sum()),
        "wh_per_core_hour": float(watts_per_core() * energy.sum() / work.sum()),
        "green_share": float((energy * net.green[mnode]).sum() / energy.sum()),
        "interactive_latency_ms": float(net.latency[jobs.home[m], mnode][interactive].mean()),
        "batch_west_share": float(work[batch & net.west[mnode]].sum() / work[batch].sum()),
        "data_moved_share": float(jobs.gb[m][mnode != jobs.home[m]].sum() / jobs.gb[m].sum()),
    }


def sweep(
    net: Network, per_point: int, loads: list[float], policies: list[str], seed: int
) -> tuple[list[dict[str, Any]], float]:
    """Every (policy, load) point of ``per_point`` jobs; the rows and the seconds."""
    rows: list[dict[str, Any]] = []
    began = time.perf_counter()
    for load in loads:
        jobs = generate(net, per_point, load, seed)
        for policy in policies:
            result = simulate(net, jobs, policy)
            assert result.finished == len(jobs) == result.placed
            rows.append(
                {"policy": policy, "load": load, "jobs": len(jobs), **measure(net, jobs, result)}
            )
    return rows, time.perf_counter() - began


# --- output --------------------------------------------------------------------------------

COLUMNS = [
    ("utilisation", "util.", "{:.0%}"),
    ("utilisation_west", "west util.", "{:.0%}"),
    ("wait_mean_h", "wait mean", "hours"),
    ("wait_p95_h", "wait p95", "hours"),
    ("interactive_wait_p95_h", "interactive p95", "hours"),
    ("core_wait_mean_h", "core-data mean", "hours"),
    ("yuan_per_core_hour", "¥/core-h", "{:.3f}"),
    ("wh_per_core_hour", "Wh/core-h", "{:.2f}"),
    ("green_share", "green", "{:.0%}"),
    ("interactive_latency_ms", "interactive ms", "{:.1f}"),
    ("batch_west_share", "batch west", "{:.0%}"),
    ("data_moved_share", "data moved", "{:.0%}"),
]


def _hours(value: float) -> str:
    if value < 1 / 60:
        return f"{value * 3600:.0f} s"
    if value < 1:
        return f"{value * 60:.1f} min"
    return f"{value:.2f} h"


def markdown(rows: list[dict[str, Any]]) -> str:
    head = "| load | policy | " + " | ".join(label for _, label, _ in COLUMNS) + " |"
    lines = [head, "|---:|---|" + "---:|" * len(COLUMNS)]
    for row in rows:
        cells = [
            _hours(row[key]) if fmt == "hours" else fmt.format(row[key]) for key, _, fmt in COLUMNS
        ]
        lines.append(f"| {row['load']:.0%} | {row['policy']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


COLOURS = {
    "home": "#7f7f7f",
    "nearest": "#d62728",
    "west": "#1f77b4",
    "greenest": "#2ca02c",
    "cheapest": "#ff7f0e",
}
DASHES = {"home": "1,3", "nearest": "", "west": "6,3", "greenest": "2,2", "cheapest": "8,2,2,2"}
PANELS = [
    ("wait_p95_h", "p95 queueing delay (h)"),
    ("core_wait_mean_h", "mean delay, core-data jobs (h)"),
    ("utilisation", "utilisation of all cores"),
    ("interactive_latency_ms", "interactive: ms to the data's hub"),
    ("yuan_per_core_hour", "yuan per core-hour"),
    ("wh_per_core_hour", "PUE-weighted Wh per core-hour"),
    ("green_share", "green share of energy"),
    ("data_moved_share", "input bytes moved off their node"),
]


def _ticks(low: float, high: float, count: int = 5) -> list[float]:
    if high <= low:
        high = low + 1.0
    raw = (high - low) / count
    step = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= step * factor:
            step *= factor
            break
    first = math.floor(low / step) * step
    return [first + step * i for i in range(math.ceil((high - first) / step) + 1)]


def svg(rows: list[dict[str, Any]], title: str) -> str:
    """A 3 x 2 grid of line charts (x: offered load), one line per policy; plain SVG."""
    policies = list(dict.fromkeys(r["policy"] for r in rows))
    loads = sorted({r["load"] for r in rows})
    width, height, cols = 300, 230, 4
    left, right, top, bottom = 56, 22, 28, 40
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{cols * width}" '
        f'height="{2 * height + 60}" font-family="sans-serif" font-size="11">',
        '<rect width="100%" height="100%" fill="white"/>',
        f'<text x="10" y="18" font-size="14" font-weight="bold">{title}</text>',
    ]
    for number, (key, label) in enumerate(PANELS):
        ox, oy = (number % cols) * width, 30 + (number // cols) * height
        values = [r[key] for r in rows]
        low = 0.0 if min(values) >= 0 else min(values)
        if key in ("yuan_per_core_hour", "wh_per_core_hour"):
            low = min(values) * 0.95
        yticks = _ticks(low, max(values) * 1.05 or 1.0)
        xticks = _ticks(0, max(loads) * 100, 6)
        y0, y1 = yticks[0], yticks[-1]
        x1 = xticks[-1]
        pw, ph = width - left - right, height - top - bottom

        def px(load: float, ox: int = ox, pw: int = pw, x1: float = x1) -> float:
            return ox + left + pw * load * 100 / x1

        def py(value: float, oy: int = oy, ph: int = ph, y0: float = y0, y1: float = y1) -> float:
            return oy + top + ph * (1 - (value - y0) / (y1 - y0))

        parts.append(f'<text x="{ox + left}" y="{oy + 16}" font-weight="bold">{label}</text>')
        for tick in yticks:
            y = py(tick)
            parts.append(
                f'<line x1="{ox + left}" x2="{ox + left + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>'
            )
            text = (
                f"{tick:.0%}"
                if key in ("utilisation", "green_share", "data_moved_share")
                else f"{tick:g}"
            )
            parts.append(
                f'<text x="{ox + left - 4}" y="{y + 4:.1f}" text-anchor="end">{text}</text>'
            )
        for tick in xticks:
            x = px(tick / 100)
            parts.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{oy + top}" y2="{oy + top + ph}" stroke="#eee"/>'
            )
            parts.append(
                f'<text x="{x:.1f}" y="{oy + top + ph + 14}" text-anchor="middle">{tick:g}%</text>'
            )
        parts.append(
            f'<text x="{ox + left + pw / 2}" y="{oy + top + ph + 28}" text-anchor="middle">offered load (% of cores)</text>'
        )
        parts.append(
            f'<rect x="{ox + left}" y="{oy + top}" width="{pw}" height="{ph}" fill="none" stroke="#333"/>'
        )
        for policy in policies:
            points = sorted((r["load"], r[key]) for r in rows if r["policy"] == policy)
            path = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in points)
            dash = f' stroke-dasharray="{DASHES[policy]}"' if DASHES.get(policy) else ""
            colour = COLOURS.get(policy, "#333")
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>'
            )
            for x, y in points:
                parts.append(f'<circle cx="{px(x):.1f}" cy="{py(y):.1f}" r="2.2" fill="{colour}"/>')
    legend_y = 30 + 2 * height + 14
    for number, policy in enumerate(policies):
        x = 20 + number * 130
        dash = f' stroke-dasharray="{DASHES[policy]}"' if DASHES.get(policy) else ""
        colour = COLOURS.get(policy, "#333")
        parts.append(
            f'<line x1="{x}" x2="{x + 30}" y1="{legend_y}" y2="{legend_y}" stroke="{colour}" stroke-width="2"{dash}/>'
        )
        parts.append(f'<text x="{x + 36}" y="{legend_y + 4}">{policy}</text>')
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=100_000, help="jobs per (policy, load) point")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--loads", default="10,30,50,60,70,80,90,100,110,130,150", help="percent")
    parser.add_argument("--policies", default=",".join(POLICIES))
    parser.add_argument("--svg", default=str(ROOT / "docs" / "img" / "compute_network.svg"))
    parser.add_argument("--json", help="also write the rows as JSON here")
    parser.add_argument("--markdown", action="store_true", help="print the markdown table")
    args = parser.parse_args(argv)
    loads = [float(x) / 100 for x in args.loads.split(",")]
    policies = [p.strip() for p in args.policies.split(",")]
    net = load_network()
    print(
        f"{net.size} clusters at {len(set(net.hubs))} hubs, {int(net.cores.sum()):,} cores "
        f"({int(net.cores[net.west].sum()):,} west); {len(policies)} policies x "
        f"{len(loads)} loads, {args.jobs:,} jobs each",
        flush=True,
    )
    rows, seconds = sweep(net, args.jobs, loads, policies, args.seed)
    simulated = sum(r["jobs"] for r in rows)
    print(f"simulated {simulated:,} jobs in {seconds:.1f} s ({simulated / seconds:,.0f} jobs/s)")
    if args.svg:
        path = Path(args.svg)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            svg(
                rows,
                f"National compute network: {simulated:,} simulated jobs, {len(policies)} placement policies",
            ),
            encoding="utf-8",
        )
        print(f"chart: {path}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1), encoding="utf-8")
    if args.markdown:
        print()
        print(markdown(rows))


if __name__ == "__main__":
    main()
