"""The national compute network as data (data/nodes.json): the 8 hubs with their place,
the 10 clusters, and the latency between hubs (great-circle distance over fibre, plus
switching), which "nearest" placement and benchmarks/compute_network.py share."""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path
from typing import Any

NODES_FILE = Path(__file__).resolve().parent / "data" / "nodes.json"
# Light in fibre covers ~200 km a millisecond; routes are ~1.5x the great circle.
KM_PER_MS = 200.0
ROUTE_FACTOR = 1.5
SWITCHING_MS = 2.0


@functools.cache
def network() -> dict[str, Any]:
    return json.loads(NODES_FILE.read_text(encoding="utf-8"))


def _km(a: dict[str, float], b: dict[str, float]) -> float:
    la1, lo1, la2, lo2 = map(math.radians, (a["lat"], a["lon"], b["lat"], b["lon"]))
    h = (
        math.sin((la2 - la1) / 2) ** 2
        + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
    )
    return 2 * 6371 * math.asin(math.sqrt(h))


def latency_ms(hub_a: str, hub_b: str) -> float:
    """One-way latency between two hubs (the same hub: switching only)."""
    hubs = network()["hubs"]
    if hub_a == hub_b:
        return SWITCHING_MS
    return round(SWITCHING_MS + ROUTE_FACTOR * _km(hubs[hub_a], hubs[hub_b]) / KM_PER_MS, 2)


def region_of(hub: str) -> str:
    return str(network()["hubs"][hub]["region"])
