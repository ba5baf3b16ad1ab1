"""Counting the people a declaration sends, from the data itself, through the gate.

Each declared resource is read with ``gate.read(..., Action.TRANSFER)``: the same lease
as every read (audited as ``data.read``, metered, the agreement's terms applied; an
agreement must permit ``transfer``), and only its gated ``Source`` is read. A person is
the keyed hash of the resource's strongest identifier column (by the privacy tags'
detector: resident ID, then passport, phone, e-mail, bank card, plate) as the gate lets
the caller see it: unmasked (the provider's own data) or hashed under the agreement's
key, which is one-to-one; a column the gate truncates, redacts or nulls cannot tell
people apart and is not used. The hashes are written to the processor's set for the
year (hashsets.py); nothing raw is kept, and the count is the union with its other sets.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

import pyarrow as pa
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _

from gongshu import gate
from gongshu.catalog.vocabulary import Sensitivity
from gongshu.engine import limits
from gongshu.engine.duck import Engine
from gongshu.policy.sql import ident, string_literal
from gongshu.transfer import hashsets, services, siphash
from gongshu.transfer.models import Declaration, DeclaredResource

# Identifier detectors (privacy/detectors.py), strongest first: one value, one person.
IDENTIFIERS = ("resident_id", "passport", "phone", "email", "bank_card", "licence_plate")
ONE_TO_ONE = ("hash", "pseudonym")
# The count's own memory: grouping ten million 16-byte hashes holds about 600 MB of hash
# table; under the query default (512 MB) it spills to disk, which costs ~1 s more.
COUNT_MEMORY_LIMIT = "1GB"


def _identifier(resource: DeclaredResource, source: gate.Source) -> tuple[str, str] | None:
    """The identifier column this read can tell people apart by, and its detector."""
    visible = set(source.field_names)
    tagged = {
        f.name: f.privacy_tag.detector
        for f in resource.dataset.fields.select_related("privacy_tag")
        if hasattr(f, "privacy_tag") and f.privacy_tag.detector in IDENTIFIERS
    }
    for detector in IDENTIFIERS:
        for name, found in sorted(tagged.items()):
            if found != detector or name not in visible:
                continue
            mask = source.decision.masks.get(name)
            if mask is None or mask.get("kind") in ONE_TO_ONE:
                return name, detector
    return None


def hash_people(engine: Engine, sql: str, params: list, key: bytes) -> pa.Table:
    """The people rows (``v``, the normalised identifier; ``non_sensitive``; ``sensitive``)
    with ``v`` replaced by its keyed hash ``h``: SipHash-2-4 under the 16-byte transfer key
    over the column in bulk (siphash.py), on the platform's query threads. The raw values
    pass through this process's memory only, never to a file. A change of this is a
    change of ``hashsets.SCHEME``."""
    # A relation's Arrow result, not a cursor's: DuckDB copies a cursor's rows once more
    # (half the fetch of ten million identifiers).
    table = engine.con.sql(sql, params=params).to_arrow_table()
    hashes = siphash.hash_array(key, table.column("v"), threads=limits.threads())
    return pa.table(
        {
            "h": pa.array(hashes, pa.uint64()),
            "non_sensitive": table.column("non_sensitive"),
            "sensitive": table.column("sensitive"),
        }
    )


def _people_sql(resource: DeclaredResource, source: gate.Source) -> tuple[str, list, str]:
    """One row per row of the resource that sends a person: the normalised identifier
    ``v``, non-sensitive?, sensitive?"""
    chosen = set(resource.fields) or set(source.field_names)
    fields = {f.name: f.sensitivity for f in resource.dataset.fields.all()}
    visible = [n for n in source.field_names if n in chosen]
    sensitive = [n for n in visible if fields.get(n) == Sensitivity.SENSITIVE_PERSONAL]
    personal = [n for n in visible if fields.get(n) == Sensitivity.PERSONAL]
    if not (sensitive or personal):
        return "", [], ""
    found = _identifier(resource, source)
    if found is None:
        raise ValidationError(
            {
                "resources": [
                    _(
                        "%(name)s sends personal fields but has no identifier column the "
                        "count can tell people apart by (resident ID, passport, phone, "
                        "e-mail, bank card or plate, unmasked or hashed); ask the provider "
                        "to tag one, or for an agreement that hashes it rather than "
                        "truncating it."
                    )
                    % {"name": resource.dataset.name}
                ]
            }
        )
    column, detector = found

    def any_of(names: list[str]) -> str:
        return " OR ".join(f"{ident(n)} IS NOT NULL" for n in names) if names else "false"

    value = f"{string_literal(detector + ':')} || upper(trim(CAST({ident(column)} AS VARCHAR)))"
    select, params = source.select(row_id=False)
    sql = (
        f"SELECT {value} AS v, ({any_of(personal)}) AS non_sensitive,"  # noqa: S608
        f" ({any_of(sensitive)}) AS sensitive FROM ({select}) AS gated"
        f" WHERE {ident(column)} IS NOT NULL AND ({any_of(personal + sensitive)})"
    )
    return sql, list(params), column


def count(caller: Any, declaration: Declaration, *, now: dt.datetime | None = None) -> Declaration:
    """Count the declaration's people, add them to its processor's set for the year, and
    store the count and outcome (services.record_count)."""
    services.require_edit(caller, declaration)
    year = services.year_of(now)
    code = declaration.processor.code
    key = hashsets.key()[:16]
    parts: list[tuple[str, list]] = []
    identifiers: dict[str, str] = {}
    with contextlib.ExitStack() as leases:
        sources = []
        for resource in declaration.resources.select_related("dataset"):
            try:
                lease = leases.enter_context(
                    gate.read(
                        caller,
                        resource.dataset,
                        gate.Action.TRANSFER,
                        query="transfer.count",
                        query_params=[declaration.pk],
                    )
                )
            except gate.Denied as denied:
                raise PermissionDenied(
                    _("%(name)s cannot be read for the count: %(reason)s")
                    % {"name": resource.dataset.name, "reason": denied.decision.reason}
                ) from None
            sql, params, column = _people_sql(resource, lease.source)
            sources.append(lease.source.path)
            if sql:
                parts.append((sql, params))
                identifiers[resource.dataset.name] = column
            lease.sent(rows=0, bytes=0)  # a count leaves the platform, no row does
        # All the cores the platform gives a query (the grouping of millions of hashes
        # is the count's other half); the memory of an export, so it spills less.
        with Engine(
            sources,
            writable=True,
            threads=limits.threads(),
            memory_limit=COUNT_MEMORY_LIMIT,
        ) as engine:
            work = engine.scratch / "people.parquet"
            if parts:
                union = " UNION ALL ".join(f"({sql})" for sql, _p in parts)
                params = [value for _sql, p in parts for value in p]
                engine.con.register("hashed", hash_people(engine, union, params, key))
                people = (
                    "SELECT h, bool_or(non_sensitive) AS non_sensitive,"
                    " bool_or(sensitive) AS sensitive FROM hashed GROUP BY h"
                )
            else:
                people = (
                    "SELECT 0::UBIGINT AS h, false AS non_sensitive, false AS sensitive WHERE false"
                )
            engine.con.execute(f"COPY ({people}) TO {string_literal(str(work))} (FORMAT parquet)")
            own = engine.con.execute(
                "SELECT count(*) FILTER (WHERE non_sensitive), count(*) FILTER (WHERE sensitive)"  # noqa: S608
                f" FROM read_parquet({string_literal(str(work))})"
            ).fetchone()
            assert own is not None
            if declaration.count_year is not None and declaration.count_year != year:
                hashsets.remove(code, declaration.count_year, declaration.pk)
            hashsets.place(work, code, year, declaration.pk)
    own_counts = (int(own[0]), int(own[1]))
    # Alone in its year, the declaration's set is the year's union: no second grouping.
    if hashsets.alone(code, year, declaration.pk):
        cumulative = own_counts
    else:
        cumulative = hashsets.union_counts(code, year)
    return services.record_count(
        caller,
        declaration,
        year=year,
        own=own_counts,
        cumulative=cumulative,
        identifiers=identifiers,
    )
