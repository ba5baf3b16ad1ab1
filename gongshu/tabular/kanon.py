"""The k-anonymity check of a release, read through the gate.

The rows it groups are those the caller may read (``gate.read``: the Decision's fields,
row filter and masks, or its masked copy), so the check shows nothing the caller could
not read, and is audited as a read (``data.read``, ``privacy.kanon``) like any other.
With ``masked``, the release masks an unconditional opening would apply
(``privacy.default_masks``) go on top, for the columns the caller's read does not mask
already; the numbers are computed by gongshu/privacy/kanon.py.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gongshu import gate
from gongshu.engine.duck import Engine
from gongshu.privacy import kanon
from gongshu.privacy import services as privacy

QUERY = "privacy.kanon"


def query_params(quasi_identifiers: list[str], k: int, masked: bool) -> list[str]:
    """What the audit entry's query hash covers besides ``QUERY``."""
    asked = {"quasi_identifiers": list(quasi_identifiers), "k": k, "masked": masked}
    return [json.dumps(asked, ensure_ascii=False, sort_keys=True)]


def k_anonymity(
    caller: Any,
    dataset: Any,
    quasi_identifiers: list[str],
    k: int,
    *,
    version: int | None = None,
    masked: bool = True,
) -> kanon.Report:
    """k-anonymity of the release of ``dataset`` (its current version, or ``version``) over
    ``quasi_identifiers``: as an unconditional opening would show them (``masked``), or as
    the caller reads them. Raises ``gate.Denied`` when the gate refuses the caller."""
    with gate.read(
        caller,
        dataset,
        gate.Action.READ,
        version=version,
        query=QUERY,
        query_params=query_params(quasi_identifiers, k, masked),
    ) as lease:
        source = lease.source
        unknown = [q for q in quasi_identifiers if q not in source.field_names]
        if unknown:
            raise ValidationError(
                {"quasi_identifiers": _("No such fields: %(f)s.") % {"f": ", ".join(unknown)}}
            )
        applied: dict[str, dict] = {}
        if masked:
            already = source.decision.masks
            applied = {
                name: spec
                for name, spec in privacy.default_masks(dataset, "opening").items()
                if not already.get(name)
            }
        sql, values = source.select(row_id=False)
        try:
            with Engine([source.path]) as engine:
                report = kanon.check(engine, sql, values, quasi_identifiers, k, applied)
        except ValueError as exc:
            raise ValidationError({"k": str(exc)}) from None
        answer = json.dumps(report.as_dict(), ensure_ascii=False).encode()
        lease.sent(rows=0, bytes=len(answer))
    return report
