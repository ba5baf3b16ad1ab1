"""A job's inputs, read through the gate: one ``gate.read(..., Action.COMPUTE)`` lease
per declared input, under the job's agreement. Under the lease, the declared fields of
the rows the Decision lets the licensee see (masks applied, rows filtered) are written
to a Parquet file in the job's private directory; the job (child.py) and vetting read
only that file. The lease counts its rows and bytes, writes the ``data.read`` entry
(query ``compute.job``) and meters it as the job's inputs."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from gongshu import gate
from gongshu.catalog.models import Dataset
from gongshu.compute.spec import GatedInput
from gongshu.compute.vetting import Input
from gongshu.engine.duck import Engine
from gongshu.policy.sql import ident

NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
MAX_INPUTS = 4


@dataclass(frozen=True)
class Declared:
    """One declared input: a resource, its version (None: the current one), fields."""

    name: str
    dataset: Any
    version: int | None
    fields: list[str]


def _bad(message: str) -> ValidationError:
    return ValidationError({"inputs": message})


def declared(principal: Any, raw: Any) -> list[Declared]:
    """The declared inputs, checked for shape (the gate decides the rest)."""
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_INPUTS:
        raise _bad(_("Declare 1 to %(max)d inputs.") % {"max": MAX_INPUTS})
    found: list[Declared] = []
    for item in raw:
        if not isinstance(item, dict) or not item.get("resource"):
            raise _bad(_("Each input names its resource."))
        resource = str(item["resource"])
        name = str(item.get("name") or resource.replace("-", "_"))
        if not NAME.match(name) or any(d.name == name for d in found):
            raise _bad(
                _("Give each input its own name of lower-case letters, digits and _: %(n)s.")
                % {"n": name}
            )
        fields = item.get("fields")
        if (
            not isinstance(fields, list)
            or not fields
            or not all(isinstance(f, str) for f in fields)
        ):
            raise _bad(_("List the fields the job reads of %(r)s.") % {"r": resource})
        version = item.get("version")
        if version is not None and (not isinstance(version, int) or version < 1):
            raise _bad(_("A version is a number from 1."))
        dataset = Dataset.objects.visible_to(principal).filter(name=resource).first()
        if dataset is None:
            raise Http404(_("No resource %(r)s.") % {"r": resource})
        found.append(Declared(name, dataset, version, list(dict.fromkeys(fields))))
    return found


def lease(principal: Any, item: Declared, agreement_id: int, uid: str) -> gate.Lease:
    """The gate's lease of one input, or its refusal as 403/404."""
    try:
        return gate.read(
            principal,
            item.dataset,
            gate.Action.COMPUTE,
            version=item.version,
            agreement=agreement_id,
            query="compute.job",
            query_params=[uid, item.name, item.fields],
        )
    except gate.Denied as denied:
        if denied.decision.hide_existence:
            raise Http404 from None
        raise PermissionDenied(
            _("The gate refuses to compute on %(r)s: %(reason)s")
            % {"r": item.dataset.name, "reason": denied.decision.reason}
        ) from None


def materialize(
    principal: Any, items: list[Declared], agreement_id: int, uid: str, directory: Path
) -> tuple[list[GatedInput], list[Input], list[int]]:
    """Read every input through its lease into ``directory``; the files for the job,
    the same for vetting (with the fields' sensitivity), and the versions read."""
    gated: list[GatedInput] = []
    vetted: list[Input] = []
    versions: list[int] = []
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    for number, item in enumerate(items):
        with lease(principal, item, agreement_id, uid) as read:
            source = read.source
            visible = source.field_names
            missing = [f for f in item.fields if f not in visible]
            if missing:
                raise _bad(
                    _("%(r)s has no field %(f)s you may compute on.")
                    % {"r": item.dataset.name, "f": ", ".join(missing)}
                )
            path = directory / f"in{number}.parquet"
            columns = ", ".join(ident(f) for f in item.fields)
            with Engine.shared() as engine:
                select = f"SELECT {columns} FROM ({source.view_sql()}) AS g"  # noqa: S608
                counted = engine.con.execute(f"SELECT count(*) FROM ({select})").fetchall()  # noqa: S608
                rows = int(counted[0][0])
                read.take_all_rows(rows)
                # Written here in batches: the shared engine opens no file by itself.
                reader = engine.con.sql(select).to_arrow_reader(65536)
                with pq.ParquetWriter(path, reader.schema) as writer:
                    for batch in reader:
                        writer.write_batch(batch)
            read.sent(rows=rows, bytes=path.stat().st_size)
            versions.append(read.version.number)
        tags = {
            f.name: (f.sensitivity, getattr(getattr(f, "privacy_tag", None), "detector", ""))
            for f in item.dataset.fields.filter(name__in=item.fields).select_related("privacy_tag")
        }
        gated.append(GatedInput(item.name, str(path), item.fields))
        vetted.append(
            Input(
                item.name,
                path,
                item.fields,
                sensitivity={k: v[0] for k, v in tags.items()},
                detector={k: v[1] for k, v in tags.items() if v[1]},
            )
        )
    return gated, vetted, versions
