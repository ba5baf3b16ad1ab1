"""Agreement policies: a documented subset of ODRL 2.2, validated when written and compiled
into the parts of a gate Decision (fields, row filter, masks, quotas) when read.

A policy (JSON-LD, ``@context`` ODRL's)::

    {"@context": "http://www.w3.org/ns/odrl.jsonld", "@type": "Agreement",
     "uid": "urn:gongshu:agreement:7", "profile": "urn:gongshu:odrl-profile:1",
     "assigner": "urn:gongshu:org:sh-transport", "assignee": "urn:gongshu:org:fudan-ds",
     "permission": [{
        "target": "urn:gongshu:dataset:<uid>",
        "action": ["read", "query", "download"],
        "constraint": [
          {"leftOperand": "purpose", "operator": "isAnyOf", "rightOperand": ["scientific_research"]},
          {"leftOperand": "dateTime", "operator": "gteq", "rightOperand": "2025-01-01"},
          {"leftOperand": "dateTime", "operator": "lteq", "rightOperand": "2025-12-31"},
          {"leftOperand": "count", "operator": "lteq", "rightOperand": 1000, "unit": "calls/day"},
          {"leftOperand": "count", "operator": "lteq", "rightOperand": 100000, "unit": "rows/day"},
          {"leftOperand": "gongshu:field", "operator": "isAnyOf", "rightOperand": ["a", "b"]},
          {"leftOperand": "gongshu:rowFilter", "operator": "eq",
           "rightOperand": {"field": "district", "op": "eq", "value": "浦东"}}],
        "duty": [{"action": "attribute"},
                 {"action": "anonymize", "gongshu:field": "plate", "gongshu:method": {"kind": "redact"}}]}],
     "prohibition": [{"target": "urn:gongshu:dataset:<uid>", "action": "distribute"}]}

Anything outside the subset is refused, so a policy never means more than the gate
enforces. The row filter is a small JSON language (``filters.py``), never SQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic import ValidationError as PydanticError

from gongshu.policy import filters

ODRL_CONTEXT = "http://www.w3.org/ns/odrl.jsonld"
PROFILE = "urn:gongshu:odrl-profile:1"
ACTIONS = ("read", "query", "download")
PURPOSES = (
    "public_governance",
    "public_welfare",
    "scientific_research",
    "industry_development",
    "commercial",
)


def dataset_urn(dataset: Any) -> str:
    return f"urn:gongshu:dataset:{dataset.uid}"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class Constraint(_Strict):
    left_operand: Literal["purpose", "dateTime", "count", "gongshu:field", "gongshu:rowFilter"] = (
        Field(alias="leftOperand")
    )
    operator: Literal["eq", "lteq", "gteq", "isAnyOf"]
    right_operand: Any = Field(alias="rightOperand")
    unit: Literal["calls/day", "rows/day"] | None = None


class Duty(_Strict):
    action: Literal["attribute", "anonymize"]
    field: str | None = Field(default=None, alias="gongshu:field")
    method: dict[str, Any] | None = Field(default=None, alias="gongshu:method")


class Permission(_Strict):
    target: str
    # annotate: annotation projects (gongshu/annotation), never in ACTIONS by default.
    action: list[Literal["read", "query", "download", "annotate", "compute"]] = Field(min_length=1)
    constraint: list[Constraint] = Field(default_factory=list)
    duty: list[Duty] = Field(default_factory=list)

    @field_validator("target")
    @classmethod
    def _target(cls, value: str) -> str:
        if not value.startswith("urn:gongshu:dataset:"):
            raise ValueError("a target is urn:gongshu:dataset:<uid>")
        return value


class Prohibition(_Strict):
    target: str
    action: Literal["distribute"]


class Policy(_Strict):
    context: Literal["http://www.w3.org/ns/odrl.jsonld"] = Field(alias="@context")
    type: Literal["Agreement"] = Field(alias="@type")
    uid: str
    profile: Literal["urn:gongshu:odrl-profile:1"]
    assigner: str
    assignee: str
    permission: list[Permission] = Field(min_length=1)
    prohibition: list[Prohibition] = Field(default_factory=list)


@dataclass(frozen=True)
class Terms:
    """One permission of a policy, compiled: what the gate enforces for one resource."""

    actions: frozenset[str]
    purposes: frozenset[str] | None
    start: dt.date | None
    end: dt.date | None
    calls_per_day: int | None
    rows_per_day: int | None
    fields: tuple[str, ...] | None
    row_filter: dict | None
    masks: dict[str, dict]
    attribution: bool
    no_redistribution: bool


def _problem(message: str) -> ValidationError:
    return ValidationError({"policy": message})


def _date(value: Any) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise _problem(_("Dates are YYYY-MM-DD: %(v)s.") % {"v": value}) from None


def _terms(permission: Permission, prohibited: bool, known: set[str] | None) -> Terms:
    values: dict[str, Any] = {
        "purposes": None,
        "start": None,
        "end": None,
        "calls_per_day": None,
        "rows_per_day": None,
        "fields": None,
        "row_filter": None,
    }
    for c in permission.constraint:
        key = (c.left_operand, c.operator, c.unit)
        if key == ("purpose", "isAnyOf", None):
            if not isinstance(c.right_operand, list) or not set(c.right_operand) <= set(PURPOSES):
                raise _problem(_("Purposes are some of: %(p)s.") % {"p": ", ".join(PURPOSES)})
            values["purposes"] = frozenset(c.right_operand)
        elif key == ("dateTime", "gteq", None):
            values["start"] = _date(c.right_operand)
        elif key == ("dateTime", "lteq", None):
            values["end"] = _date(c.right_operand)
        elif c.left_operand == "count" and c.operator == "lteq" and c.unit:
            if not isinstance(c.right_operand, int) or c.right_operand < 0:
                raise _problem(_("A daily limit is a whole number, 0 or more."))
            values["calls_per_day" if c.unit == "calls/day" else "rows_per_day"] = c.right_operand
        elif key == ("gongshu:field", "isAnyOf", None):
            names = c.right_operand
            if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
                raise _problem(_("Fields are a list of field names."))
            unknown = sorted(set(names) - known) if known is not None else []
            if unknown:
                raise _problem(_("No such fields: %(f)s.") % {"f": ", ".join(unknown)})
            values["fields"] = tuple(dict.fromkeys(names))
        elif key == ("gongshu:rowFilter", "eq", None):
            filters.compile(c.right_operand, known)  # validates; compiled again per read
            values["row_filter"] = c.right_operand
        else:
            raise _problem(
                _("The constraint %(c)s is not in Gongshu's ODRL profile.")
                % {"c": f"{c.left_operand} {c.operator}"}
            )
    if values["start"] and values["end"] and values["start"] > values["end"]:
        raise _problem(_("The period ends before it starts."))
    masks: dict[str, dict] = {}
    for duty in permission.duty:
        if duty.action == "anonymize":
            if not duty.field or not isinstance(duty.method, dict) or "kind" not in duty.method:
                raise _problem(_("An anonymize duty names gongshu:field and gongshu:method.kind."))
            if known is not None and duty.field not in known:
                raise _problem(_("No such field to mask: %(f)s.") % {"f": duty.field})
            masks[duty.field] = dict(duty.method)
    return Terms(
        actions=frozenset(permission.action),
        masks=masks,
        attribution=any(d.action == "attribute" for d in permission.duty),
        no_redistribution=prohibited,
        **values,
    )


def parse(document: Any) -> Policy:
    if not isinstance(document, dict):
        raise _problem(_("A policy is a JSON object."))
    try:
        return Policy.model_validate(document)
    except PydanticError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise _problem(
            _("The policy is not valid at %(where)s: %(msg)s")
            % {"where": where, "msg": first["msg"]}
        ) from None


def validate(document: Any, fields_of: dict[str, set[str] | None]) -> Policy:
    """Check ``document`` against the subset and the resources' fields (``fields_of``:
    target URN → field names, None when unknown). Raises ValidationError({"policy": …})."""
    policy = parse(document)
    prohibited = {p.target for p in policy.prohibition}
    seen = set()
    for permission in policy.permission:
        if permission.target not in fields_of:
            raise _problem(
                _("The target %(t)s is not a resource of this agreement.")
                % {"t": permission.target}
            )
        if permission.target in seen:
            raise _problem(_("One permission per resource."))
        seen.add(permission.target)
        _terms(permission, permission.target in prohibited, fields_of[permission.target])
    return policy


def terms_for(document: Any, target: str, known: set[str] | None) -> Terms | None:
    """The compiled terms for ``target``, or None when the policy grants nothing on it."""
    policy = parse(document)
    prohibited = {p.target for p in policy.prohibition}
    for permission in policy.permission:
        if permission.target == target:
            return _terms(permission, target in prohibited, known)
    return None


def build(
    *,
    uid: str,
    assigner: str,
    assignee: str,
    targets: list[tuple[str, list[str]]],
    purpose: str,
    start: dt.date,
    end: dt.date,
    actions: tuple[str, ...] = ACTIONS,
    calls_per_day: int | None = None,
    rows_per_day: int | None = None,
    row_filter: dict | None = None,
    masks: dict[str, dict] | None = None,
) -> dict:
    """The default policy an approval issues: the application's purpose, period and fields,
    attribution required, redistribution prohibited."""
    permissions, prohibitions = [], []
    for target, fields in targets:
        constraint: list[dict] = [
            {"leftOperand": "purpose", "operator": "isAnyOf", "rightOperand": [purpose]},
            {"leftOperand": "dateTime", "operator": "gteq", "rightOperand": start.isoformat()},
            {"leftOperand": "dateTime", "operator": "lteq", "rightOperand": end.isoformat()},
        ]
        for limit, unit in ((calls_per_day, "calls/day"), (rows_per_day, "rows/day")):
            if limit is not None:
                constraint.append(
                    {
                        "leftOperand": "count",
                        "operator": "lteq",
                        "rightOperand": limit,
                        "unit": unit,
                    }
                )
        if fields:
            constraint.append(
                {"leftOperand": "gongshu:field", "operator": "isAnyOf", "rightOperand": fields}
            )
        if row_filter:
            constraint.append(
                {"leftOperand": "gongshu:rowFilter", "operator": "eq", "rightOperand": row_filter}
            )
        duty: list[dict] = [{"action": "attribute"}]
        for name, method in (masks or {}).items():
            duty.append({"action": "anonymize", "gongshu:field": name, "gongshu:method": method})
        permissions.append(
            {"target": target, "action": list(actions), "constraint": constraint, "duty": duty}
        )
        prohibitions.append({"target": target, "action": "distribute"})
    return {
        "@context": ODRL_CONTEXT,
        "@type": "Agreement",
        "uid": uid,
        "profile": PROFILE,
        "assigner": assigner,
        "assignee": assignee,
        "permission": permissions,
        "prohibition": prohibitions,
    }
