"""Differential privacy for aggregate SQL jobs, with OpenDP.

A DP job does not send SQL: it declares its aggregates over one input — counts, and sums
of a field clamped to declared bounds —, an optional grouping field with its public key
list, and epsilon. Gongshu writes the SQL (so the bounds hold: every value is clamped
inside the query), runs it in the sandbox, then adds Laplace noise with OpenDP: epsilon is
split evenly over the aggregates (sequential composition), each group is disjoint
(parallel composition), and a count's sensitivity is 1, a clamped sum's max(|lower|,
|upper|). Groups come from the declared keys, never from the data (a key absent from the
data answers a noisy 0), so which groups exist reveals nothing."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import opendp.prelude as dp
import pyarrow as pa
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gongshu.policy.sql import ident, string_literal

dp.enable_features("contrib")
MAX_KEYS = 1000


def _bad(message: str) -> ValidationError:
    return ValidationError({"dp": message})


def epsilon_of(spec: dict[str, Any]) -> Decimal:
    try:
        epsilon = Decimal(str(spec.get("epsilon")))
    except InvalidOperation:
        raise _bad(_("Give epsilon as a number above 0, for example 0.5.")) from None
    if not epsilon.is_finite() or epsilon <= 0 or epsilon > 10:
        raise _bad(_("Give epsilon as a number above 0 and at most 10, for example 0.5."))
    return epsilon


def check(spec: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """The spec, checked against the input's declared ``fields``."""
    epsilon_of(spec)
    aggregates = spec.get("aggregates") or []
    if not aggregates:
        raise _bad(_("Declare at least one aggregate: a count, or a sum with bounds."))
    names = set()
    for item in aggregates:
        name, kind = item.get("name"), item.get("kind")
        if not name or name in names:
            raise _bad(_("Give each aggregate a name of its own."))
        names.add(name)
        if kind not in ("count", "sum"):
            raise _bad(_("An aggregate is a count or a sum; %(kind)s is neither.") % {"kind": kind})
        if kind == "sum":
            if item.get("field") not in fields:
                raise _bad(
                    _("The sum %(name)s needs a field among the declared inputs.") % {"name": name}
                )
            try:
                lower, upper = float(item["lower"]), float(item["upper"])
            except (KeyError, TypeError, ValueError):
                raise _bad(
                    _("The sum %(name)s needs numeric bounds lower and upper.") % {"name": name}
                ) from None
            if not lower < upper:
                raise _bad(_("The sum %(name)s needs lower below upper.") % {"name": name})
    group = spec.get("group_by")
    if group is not None:
        if group not in fields:
            raise _bad(_("group_by must be one of the declared fields."))
        keys = spec.get("keys")
        if not isinstance(keys, list) or not keys or len(keys) > MAX_KEYS:
            raise _bad(
                _("A grouped DP job lists its public keys (1 to %(max)d values) in keys.")
                % {"max": MAX_KEYS}
            )
    return spec


def sql(spec: dict[str, Any], table: str) -> str:
    """The exact aggregate query the noise is added to."""
    items = []
    for item in spec["aggregates"]:
        if item["kind"] == "count":
            items.append(f"count(*) AS {ident(item['name'])}")
        else:
            lower, upper = float(item["lower"]), float(item["upper"])
            value = f"least(greatest(CAST({ident(item['field'])} AS DOUBLE), {lower!r}), {upper!r})"
            items.append(f"coalesce(sum({value}), 0) AS {ident(item['name'])}")
    group = spec.get("group_by")
    if group is None:
        return f"SELECT {', '.join(items)} FROM {ident(table)}"  # noqa: S608
    keys = ", ".join(f"({string_literal(str(k))})" for k in spec["keys"])
    outer = ", ".join(
        f"coalesce(a.{ident(i['name'])}, 0) AS {ident(i['name'])}" for i in spec["aggregates"]
    )
    return (
        f"WITH k(__key) AS (VALUES {keys}), a AS (SELECT CAST({ident(group)} AS VARCHAR)"  # noqa: S608
        f" AS __key, {', '.join(items)} FROM {ident(table)} GROUP BY 1)"
        f" SELECT k.__key AS {ident(group)}, {outer} FROM k LEFT JOIN a USING (__key)"
        " ORDER BY 1"
    )


def scales(spec: dict[str, Any]) -> dict[str, float]:
    """The Laplace scale of each aggregate: sensitivity over its share of epsilon."""
    share = float(epsilon_of(spec)) / len(spec["aggregates"])
    found = {}
    for item in spec["aggregates"]:
        sensitivity = (
            1.0
            if item["kind"] == "count"
            else max(abs(float(item["lower"])), abs(float(item["upper"])))
        )
        found[item["name"]] = sensitivity / share
    return found


def noisy(table: pa.Table, spec: dict[str, Any]) -> pa.Table:
    """``table`` (the exact aggregates) with OpenDP's Laplace noise on every aggregate."""
    columns = {name: table.column(name).to_pylist() for name in table.column_names}
    for item in spec["aggregates"]:
        name, scale = item["name"], scales(spec)[item["name"]]
        if item["kind"] == "count":
            mechanism = dp.m.make_laplace(dp.atom_domain(T=int), dp.absolute_distance(T=int), scale)
            columns[name] = [max(0, mechanism(int(v or 0))) for v in columns[name]]
        else:
            mechanism = dp.m.make_laplace(
                dp.atom_domain(T=float, nan=False), dp.absolute_distance(T=float), scale
            )
            columns[name] = [round(mechanism(float(v or 0.0)), 2) for v in columns[name]]
    return pa.table(columns)
