"""The scheduler: where a job runs, and why.

First the data's level decides which nodes are allowed (the strictest input decides):
core data never leaves its provider's own node; important data goes only to nodes
approved for it (or the provider's own); general data to any active node. Then, among
the allowed nodes, the job's declared policy picks one:

- ``nearest``: least latency from the data's home hub (the node holding the data, else
  its provider's node, else ``settings.COMPUTE_HOME_HUB``);
- ``cheapest``: lowest price per core-hour;
- ``greenest``: highest green-power share, then lowest PUE;
- ``west`` (东数西算, batch jobs only): a western hub's node, the cheapest of them.

The answer records the level, the home hub, every node left out with its reason, and
the one sentence of why the chosen node won."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from gongshu.compute import network, rules
from gongshu.compute.models import Node, Region

POLICIES = ("nearest", "cheapest", "greenest", "west")
LEVELS = {"general": 0, "important": 1, "core": 2}


@dataclass(frozen=True)
class Placement:
    node: Node
    record: dict[str, Any]


def home_hub(datasets: list[Any], nodes: list[Node]) -> str:
    for dataset in datasets:
        for node in nodes:
            if dataset.name in (node.data_held or []) or (
                node.provider_id is not None and node.provider_id == dataset.provider_id
            ):
                return node.hub
    return str(getattr(settings, "COMPUTE_HOME_HUB", "长三角"))


def _excluded(node: Node, datasets: list[Any], level: str) -> str:
    providers = {d.provider_id for d in datasets if d.level == "core"}
    if level == "core" and (node.provider_id is None or {node.provider_id} != providers):
        return _("core data never leaves its provider's own node")
    if level == "important" and not (
        node.approved_for_important or node.provider_id in {d.provider_id for d in datasets}
    ):
        return _("not approved for important data")
    return ""


def place(datasets: list[Any], policy: str, *, batch: bool) -> Placement:
    if policy not in POLICIES:
        raise ValidationError(
            {"placement_policy": _("Choose one of: %(p)s.") % {"p": ", ".join(POLICIES)}}
        )
    if policy == "west" and not batch:
        raise ValidationError(
            {"placement_policy": _("Only batch jobs may go west (东数西算); set batch.")}
        )
    level = max((d.level or "general" for d in datasets), key=lambda v: LEVELS.get(v, 0))
    nodes = list(Node.objects.filter(active=True))
    home = home_hub(datasets, nodes)
    excluded = {n.code: why for n in nodes if (why := _excluded(n, datasets, level))}
    allowed = [n for n in nodes if n.code not in excluded]
    if policy == "west":
        allowed = [n for n in allowed if n.region == Region.WEST] or allowed
    if not allowed:
        raise PermissionDenied(
            _("No compute node is allowed for %(level)s data: %(why)s.")
            % {"level": level, "why": "; ".join(sorted(set(excluded.values()))) or "-"}
        )

    def latency(node: Node) -> float:
        return network.latency_ms(home, node.hub)

    keys = {
        "nearest": lambda n: (latency(n), n.price_per_core_hour, n.code),
        "cheapest": lambda n: (n.price_per_core_hour, latency(n), n.code),
        "greenest": lambda n: (-n.green_share, n.pue, n.code),
        "west": lambda n: (n.price_per_core_hour, latency(n), n.code),
    }
    chosen = min(allowed, key=keys[policy])
    why = {
        "nearest": _("the least latency from the data's hub %(home)s (%(ms)s ms)"),
        "cheapest": _("the lowest price, %(price)s yuan a core-hour"),
        "greenest": _("the highest green-power share, %(green)s, at PUE %(pue)s"),
        "west": _("a western hub for a batch job (东数西算), the cheapest there"),
    }[policy] % {
        "home": home,
        "ms": latency(chosen),
        "price": chosen.price_per_core_hour,
        "green": chosen.green_share,
        "pue": chosen.pue,
    }
    record = {
        "policy": policy,
        "batch": batch,
        "level": level,
        "home_hub": home,
        "node": chosen.code,
        "hub": chosen.hub,
        "region": chosen.region,
        "latency_ms": latency(chosen),
        "allowed": sorted(n.code for n in allowed),
        "excluded": excluded,
        "why": why,
    }
    return Placement(chosen, record)


def cost_and_energy(node: Node, cpu_seconds: float) -> tuple[Decimal, Decimal]:
    """Yuan at the node's price, and Wh at its PUE (a core's draw from the rules)."""
    core_hours = Decimal(str(cpu_seconds)) / Decimal(3600)
    cost = (core_hours * node.price_per_core_hour).quantize(Decimal("0.0001"))
    watts = Decimal(str(rules.value("watts-per-core")))
    energy = (core_hours * watts * node.pue).quantize(Decimal("0.001"))
    return cost, energy
