"""The national compute network simulation (benchmarks/compute_network.py) keeps its
invariants on a small run: core data never leaves its node, important data only on
approved nodes, west-first sends batch west, no node runs more cores than it has, every
job is placed once and finishes."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "compute_network.py"


def _load():
    spec = importlib.util.spec_from_file_location("compute_network_benchmark", PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


sim = _load()
NET = sim.load_network()


@pytest.fixture(scope="module")
def runs():
    """Every policy at a light, a full and an overloaded load, 3,000 jobs each."""
    out = {}
    for load in (0.1, 1.0, 1.5):
        jobs = sim.generate(NET, 3000, load, seed=7)
        for policy in sim.POLICIES:
            out[(policy, load)] = (jobs, sim.simulate(NET, jobs, policy))
    return out


def test_the_network_is_the_8_hubs_and_10_clusters():
    assert NET.size == 10
    assert len(set(NET.hubs)) == 8
    assert NET.cores.sum() > 0
    assert (NET.latency >= 2.0).all()
    assert (NET.latency == NET.latency.T).all()


def test_core_data_never_runs_off_its_node(runs):
    for jobs, result in runs.values():
        core = jobs.level == sim.CORE
        assert core.any()
        assert (result.node[core] == jobs.home[core]).all()


def test_important_data_only_on_approved_nodes_or_its_own(runs):
    for jobs, result in runs.values():
        important = jobs.level == sim.IMPORTANT
        ok = NET.approved[result.node] | (result.node == jobs.home)
        assert ok[important].all()


def test_west_first_sends_batch_west_when_the_west_has_room(runs):
    jobs, result = runs[("west", 0.1)]
    movable = jobs.batch & (jobs.level != sim.CORE)
    assert NET.west[result.node[movable]].all()
    # Interactive jobs stay nearest: on their data's hub when it is in the east (a western
    # one may be full of the batch jobs sent there).
    interactive = ~jobs.batch & ~NET.west[jobs.home]
    assert (NET.latency[jobs.home, result.node][interactive] == 2.0).all()
    _, near = runs[("nearest", 0.1)]
    assert NET.west[near.node[movable]].mean() < 0.5  # the data is mostly in the east


def test_no_node_runs_more_cores_than_it_has(runs):
    for jobs, result in runs.values():
        assert (sim.peak_busy(NET, jobs, result) <= NET.cores).all()
        assert 0.0 <= sim.measure(NET, jobs, result)["utilisation"] <= 1.0


def test_every_job_is_placed_once_and_finishes(runs):
    for jobs, result in runs.values():
        assert result.placed == result.finished == len(jobs)
        assert ((result.node >= 0) & (result.node < NET.size)).all()
        assert (result.start >= jobs.arrival).all()


def test_queues_grow_with_load_and_every_metric_is_finite(runs):
    for policy in sim.POLICIES:
        light = sim.measure(NET, *runs[(policy, 0.1)])
        heavy = sim.measure(NET, *runs[(policy, 1.5)])
        assert light["wait_mean_h"] <= heavy["wait_mean_h"]
        assert heavy["utilisation"] > light["utilisation"]
        assert all(np.isfinite(v) for v in heavy.values())


def test_the_cheap_and_green_policies_beat_nearest_at_light_load(runs):
    nearest = sim.measure(NET, *runs[("nearest", 0.1)])
    cheapest = sim.measure(NET, *runs[("cheapest", 0.1)])
    greenest = sim.measure(NET, *runs[("greenest", 0.1)])
    assert cheapest["yuan_per_core_hour"] < nearest["yuan_per_core_hour"]
    assert greenest["green_share"] > nearest["green_share"]
    assert nearest["interactive_latency_ms"] < greenest["interactive_latency_ms"]


def test_the_chart_and_table_render():
    jobs = sim.generate(NET, 500, 0.5, seed=1)
    rows = [
        {
            "policy": p,
            "load": 0.5,
            "jobs": 500,
            **sim.measure(NET, jobs, sim.simulate(NET, jobs, p)),
        }
        for p in sim.POLICIES
    ]
    assert sim.svg(rows, "t").startswith("<svg")
    assert sim.markdown(rows).count("\n") == 1 + len(rows)
