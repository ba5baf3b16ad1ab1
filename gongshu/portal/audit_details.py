"""An audit entry's details as its reader reads them: labelled, codes as their labels,
and the gate's reason worded in the reader's language (policy/reasons.py), whatever the
language of the request that was refused. Keys the portal does not know are shown as
stored: an auditor must see everything an entry holds."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from gongshu.access.models import Channel, Purpose
from gongshu.billing.models import PlanKind
from gongshu.orgs.models import PlatformRoleName, Role
from gongshu.policy import reasons

HIDDEN = frozenset({"reason_parts"})


def _label(choices: type, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _role(value: Any) -> str:
    for choices in (Role, PlatformRoleName):
        if value in choices.values:
            return _label(choices, value)
    return str(value)


# Keys whose stored codes have labels: how to show each.
LABELLED = {
    "channel": lambda v: _label(Channel, v),
    "purpose": lambda v: _label(Purpose, v),
    "purposes": lambda v: (
        "、".join(_label(Purpose, p) for p in v) if isinstance(v, list) else str(v)
    ),
    "kind": lambda v: _label(PlanKind, v),
    "role": _role,
    "agreement": lambda v: f"#{v}",
    "query_hash": lambda v: str(v)[:12],
}


def shown(details: dict[str, Any]) -> list[tuple[str, str]]:
    labels = {
        "allowed": pgettext("audit entry", "Decision"),
        "reason": _("Reason"),
        "version": _("Version"),
        "channel": _("Channel"),
        "purpose": _("Purpose"),
        "agreement": _("Agreement"),
        "rows": _("Rows"),
        "bytes": _("Bytes"),
        "query_hash": _("Query hash"),
    }
    out = []
    for key, value in details.items():
        if key in HIDDEN:
            continue
        if key == "allowed":
            text = (
                pgettext("audit entry", "allowed") if value else pgettext("audit entry", "refused")
            )
        elif key == "reason" and details.get("reason_parts"):
            text = reasons.worded(details["reason_parts"], str(value))
        elif key in LABELLED:
            text = LABELLED[key](value)
        else:
            text = str(value)
        out.append((labels.get(key, key), text))
    return out
