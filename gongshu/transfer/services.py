"""Every change of state and every rule of cross-border transfer: evaluating facts
against the rule table, declarations (audited), their counts and outcome, approvals and
their validity. The count's read of the data is in ``counting.py``, through the gate."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from gongshu.audit import services as audit
from gongshu.catalog.models import Dataset
from gongshu.catalog.vocabulary import Level
from gongshu.orgs.facts import as_principal
from gongshu.orgs.models import Organization, Role
from gongshu.policy import workdays
from gongshu.transfer import ftz, hashsets, rules
from gongshu.transfer.models import (
    SEVERITY,
    Approval,
    ApprovalKind,
    Declaration,
    DeclaredResource,
    Exemption,
    Outcome,
    RuleSet,
    ValidityRule,
)

# Counts of individuals run from 1 January in China's time (DOMAIN.md §4), whatever the
# server's zone.
SHANGHAI = ZoneInfo("Asia/Shanghai")
EDITORS = (Role.ORG_ADMIN, Role.EDITOR)


def year_of(moment: dt.datetime | None = None) -> int:
    return (moment or timezone.now()).astimezone(SHANGHAI).year


def today_in_china(moment: dt.datetime | None = None) -> dt.date:
    return (moment or timezone.now()).astimezone(SHANGHAI).date()


# --- evaluating facts --------------------------------------------------------------------


@dataclass(frozen=True)
class Counted:
    non_sensitive: int
    sensitive: int
    year: int


def may_see_counts(caller: Any, processor: Organization) -> bool:
    principal = as_principal(caller)
    return (
        principal.is_platform_admin
        or principal.is_data_authority
        or processor.pk in principal.organization_ids()
    )


def year_to_date(processor: Organization, year: int) -> Counted:
    """The processor's distinct people this year, across all its counted declarations."""
    non_sensitive, sensitive = hashsets.union_counts(processor.code, year)
    return Counted(non_sensitive, sensitive, year)


def evaluate(
    facts: dict[str, Any],
    *,
    processor: Organization | None = None,
    moment: dt.datetime | None = None,
) -> tuple[rules.Evaluation, Counted]:
    """The rule table's answer for ``facts``; with a processor, its year-to-date counts are
    added to the counts given (the thresholds count since 1 January, DOMAIN.md §4)."""
    year = year_of(moment)
    ytd = year_to_date(processor, year) if processor else Counted(0, 0, year)
    facts = dict(facts)
    for name, extra in (
        ("personal_non_sensitive", ytd.non_sensitive),
        ("personal_sensitive", ytd.sensitive),
    ):
        if facts.get(name) is not None:
            facts[name] += extra
    result = rules.evaluate(facts, on=today_in_china(moment))
    counts = Counted(
        facts.get("personal_non_sensitive") or ytd.non_sensitive,
        facts.get("personal_sensitive") or ytd.sensitive,
        year,
    )
    return result, counts


# --- declarations -----------------------------------------------------------------------


def may_edit(caller: Any, declaration: Declaration) -> bool:
    principal = as_principal(caller)
    return principal.is_platform_admin or principal.has_role(declaration.processor, *EDITORS)


def require_edit(caller: Any, declaration: Declaration) -> None:
    if not may_edit(caller, declaration):
        raise PermissionDenied(
            _("Only an administrator or editor of %(org)s may change its declarations.")
            % {"org": declaration.processor.code}
        )


def _resources(caller: Any, wanted: list[dict[str, Any]]) -> list[tuple[Dataset, list[str]]]:
    """The catalog's resources and fields a declaration names, each checked to exist."""
    if not wanted:
        raise ValidationError({"resources": [_("Name at least one resource to send.")]})
    visible = Dataset.objects.visible_to(as_principal(caller))
    found = []
    for index, item in enumerate(wanted):
        dataset = visible.filter(name=item["dataset"]).first()
        if dataset is None:
            raise ValidationError(
                {
                    f"resources.{index}.dataset": [
                        _("No resource %(name)s that you may see.") % {"name": item["dataset"]}
                    ]
                }
            )
        known = set(dataset.field_names())
        fields = list(item.get("fields") or [])
        unknown = [f for f in fields if f not in known]
        if unknown:
            raise ValidationError(
                {
                    f"resources.{index}.fields": [
                        _("%(name)s has no field %(fields)s; its fields are %(known)s.")
                        % {
                            "name": dataset.name,
                            "fields": ", ".join(unknown),
                            "known": ", ".join(sorted(known)),
                        }
                    ]
                }
            )
        found.append((dataset, fields))
    return found


def _check_exemptions(values: list[str]) -> list[str]:
    unknown = [v for v in values if v not in Exemption.values]
    if unknown:
        raise ValidationError(
            {
                "exemptions": [
                    _("Unknown exemption %(e)s; use any of %(all)s.")
                    % {"e": ", ".join(unknown), "all": ", ".join(Exemption.values)}
                ]
            }
        )
    return sorted(set(values))


def _snapshot(declaration: Declaration) -> dict[str, Any]:
    return {
        "processor": declaration.processor.code,
        "ciio": declaration.ciio,
        "recipient": declaration.recipient_name,
        "country": declaration.recipient_country,
        "exemptions": declaration.exemptions,
        "ftz_zone": declaration.ftz_zone,
        "resources": {r.dataset.name: r.fields for r in declaration.resources.all()},
    }


@transaction.atomic
def create_declaration(caller: Any, processor: Organization, **values: Any) -> Declaration:
    principal = as_principal(caller)
    if not (principal.is_platform_admin or principal.has_role(processor, *EDITORS)):
        raise PermissionDenied(
            _("Only an administrator or editor of %(org)s may declare its transfers.")
            % {"org": processor.code}
        )
    resources = _resources(principal, values.pop("resources"))
    values["exemptions"] = _check_exemptions(values.get("exemptions") or [])
    values["recipient_country"] = values["recipient_country"].upper()
    declaration = Declaration.objects.create(
        processor=processor, created_by=principal.user, **values
    )
    for dataset, fields in resources:
        DeclaredResource.objects.create(declaration=declaration, dataset=dataset, fields=fields)
    audit.record(
        principal,
        "transfer.declared",
        resource=f"declaration:{declaration.pk}",
        organization=processor,
        details=_snapshot(declaration),
    )
    return declaration


@transaction.atomic
def update_declaration(caller: Any, declaration: Declaration, **values: Any) -> Declaration:
    """Change what is declared; the count and outcome no longer hold and are cleared."""
    require_edit(caller, declaration)
    principal = as_principal(caller)
    resources = values.pop("resources", None)
    if "exemptions" in values:
        values["exemptions"] = _check_exemptions(values["exemptions"] or [])
    if "recipient_country" in values:
        values["recipient_country"] = values["recipient_country"].upper()
    for name, value in values.items():
        setattr(declaration, name, value)
    if resources is not None:
        declaration.resources.all().delete()
        for dataset, fields in _resources(principal, resources):
            DeclaredResource.objects.create(declaration=declaration, dataset=dataset, fields=fields)
    _clear_count(declaration)
    declaration.save()
    audit.record(
        principal,
        "transfer.declaration_changed",
        resource=f"declaration:{declaration.pk}",
        organization=declaration.processor,
        details=_snapshot(declaration),
    )
    return declaration


def _clear_count(declaration: Declaration) -> None:
    if declaration.count_year is not None:
        hashsets.remove(declaration.processor.code, declaration.count_year, declaration.pk)
    declaration.counted_at = declaration.count_year = None
    declaration.own_non_sensitive = declaration.own_sensitive = None
    declaration.year_non_sensitive = declaration.year_sensitive = None
    declaration.outcome, declaration.rules, declaration.split_flag = "", [], False
    declaration.identifiers = {}


@transaction.atomic
def delete_declaration(caller: Any, declaration: Declaration) -> None:
    require_edit(caller, declaration)
    audit.record(
        as_principal(caller),
        "transfer.declaration_deleted",
        resource=f"declaration:{declaration.pk}",
        organization=declaration.processor,
        details=_snapshot(declaration),
    )
    if declaration.count_year is not None:
        code, year, pk = declaration.processor.code, declaration.count_year, declaration.pk
        transaction.on_commit(lambda: hashsets.remove(code, year, pk))
    declaration.delete()


# --- the outcome of a counted declaration -------------------------------------------------


def ftz_exemptions(declaration: Declaration, on: dt.date) -> list[str]:
    """The exemptions with art. 6 computed: for a processor registered in a zone with a
    list in force, ``ftz_outside_list`` holds exactly when every sent field is outside it
    (ftz.py), whatever was claimed; otherwise the claim stands."""
    claimed = list(declaration.exemptions)
    found = ftz.match(declaration, on)
    if found is None:
        return claimed
    rest = [e for e in claimed if e != Exemption.FTZ_OUTSIDE_LIST]
    return sorted([*rest, Exemption.FTZ_OUTSIDE_LIST.value] if found.all_outside else rest)


def facts_of(
    declaration: Declaration, non_sensitive: int, sensitive: int, on: dt.date | None = None
) -> dict[str, Any]:
    levels = {r.dataset.level for r in declaration.resources.select_related("dataset")}
    return {
        "ciio": declaration.ciio,
        "important_data": Level.IMPORTANT in levels,
        "core_data": Level.CORE in levels,
        "personal_non_sensitive": non_sensitive,
        "personal_sensitive": sensitive,
        "exemptions": ftz_exemptions(declaration, on or today_in_china()),
    }


SPLITTING = {
    "id": "o20-no-splitting",
    "article": "CAC order 16 arts. 7–8 (counted since 1 January); CAC/SAMR order 20",
}


def splitting_rule() -> dict[str, str]:
    return {
        **SPLITTING,
        "text": _(
            "Together with this processor's earlier declarations this year, this one "
            "crosses a threshold that it does not cross alone; splitting one flow into "
            "several to stay under a threshold is forbidden, so the outcome follows the "
            "count since 1 January."
        ),
    }


def _outcome_with(
    declaration: Declaration, own: tuple[int, int], cumulative: tuple[int, int]
) -> tuple[rules.Evaluation, list[dict[str, str]], bool]:
    """The outcome of the declaration at the year-to-date count, the rules that fired,
    and whether it is a split: the declaration alone would have come out lower."""
    alone = rules.evaluate(facts_of(declaration, *own))
    together = rules.evaluate(facts_of(declaration, *cumulative))
    split = SEVERITY.get(Outcome(together.outcome), -1) > SEVERITY.get(Outcome(alone.outcome), -1)
    return together, list(together.rules) + ([splitting_rule()] if split else []), split


@transaction.atomic
def record_count(
    caller: Any,
    declaration: Declaration,
    *,
    year: int,
    own: tuple[int, int],
    cumulative: tuple[int, int],
    identifiers: dict[str, str],
) -> Declaration:
    """Store a count (``counting.count`` made it) and the outcome that follows from the
    processor's year-to-date count, flagging a split when the declaration alone would
    have come out lower (anti-splitting); the processor's other declarations counted this
    year follow the new year-to-date count too (``follow_the_year``)."""
    together, fired, split = _outcome_with(declaration, own, cumulative)
    zone = ftz.match(declaration, today_in_china())
    declaration.counted_at = timezone.now()
    declaration.count_year = year
    declaration.own_non_sensitive, declaration.own_sensitive = own
    declaration.year_non_sensitive, declaration.year_sensitive = cumulative
    declaration.identifiers = identifiers
    declaration.outcome = together.outcome
    declaration.rules = fired
    declaration.split_flag = split
    declaration.save()
    audit.record(
        as_principal(caller),
        "transfer.counted",
        resource=f"declaration:{declaration.pk}",
        organization=declaration.processor,
        details={
            "year": year,
            "own": list(own),
            "year_to_date": list(cumulative),
            "identifiers": identifiers,
            "outcome": together.outcome,
            "rules": [r["id"] for r in fired],
            "split": split,
            "rule_set": together.version,
            "ftz": ftz.matched_out(zone) if zone else None,
        },
    )
    follow_the_year(caller, declaration, year=year, cumulative=cumulative)
    return declaration


def follow_the_year(
    caller: Any, counted: Declaration, *, year: int, cumulative: tuple[int, int]
) -> list[Declaration]:
    """The processor's other declarations counted in ``year`` take the new year-to-date
    count and the outcome it gives them: a sequence that crosses a threshold together
    crosses it for every one of its declarations, so an earlier, exempt one no longer
    passes the gate alone. Each change is audited (``transfer.outcome_followed``)."""
    changed = []
    others = (
        Declaration.objects.select_for_update()
        .filter(processor_id=counted.processor_id, count_year=year)
        .exclude(pk=counted.pk)
        .exclude(counted_at=None)
    )
    for other in others:
        own = (other.own_non_sensitive or 0, other.own_sensitive or 0)
        together, fired, split = _outcome_with(other, own, cumulative)
        before = (other.outcome, other.year_non_sensitive, other.year_sensitive)
        if before == (together.outcome, *cumulative) and other.split_flag == split:
            continue
        other.year_non_sensitive, other.year_sensitive = cumulative
        other.outcome, other.rules, other.split_flag = together.outcome, fired, split
        other.save(
            update_fields=[
                "year_non_sensitive", "year_sensitive", "outcome", "rules", "split_flag",
                "updated_at",
            ]
        )  # fmt: skip
        audit.record(
            as_principal(caller),
            "transfer.outcome_followed",
            resource=f"declaration:{other.pk}",
            organization=other.processor,
            details={
                "by": counted.pk,
                "year": year,
                "year_to_date": list(cumulative),
                "outcome": [before[0], together.outcome],
                "split": split,
            },
        )
        changed.append(other)
    return changed


# --- approvals and their validity ---------------------------------------------------------


def validity_rule(kind: str, on: dt.date) -> ValidityRule:
    rule_set = RuleSet.objects.filter(valid_from__lte=on).order_by("-valid_from").first()
    rule = rule_set.validity.filter(kind=kind).first() if rule_set else None
    if rule is None:
        raise ValidationError({"kind": [_("No validity rule for %(kind)s.") % {"kind": kind}]})
    return rule


def _anniversary(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February: the term ends with February
        return day.replace(year=day.year + years, month=3, day=1)


@dataclass(frozen=True)
class Validity:
    valid_until: dt.date | None
    renewal_opens: dt.date | None
    provisional: bool


def validity(kind: str, issued_on: dt.date) -> Validity:
    """The last valid day (the day before the anniversary: ``years`` from the issue) and
    the first day of the renewal window: the ``renewal_working_days``-th working day
    before the anniversary, on the platform's calendar (make-up days work, holidays do
    not); ``provisional`` when that reaches a year whose schedule is not published."""
    rule = validity_rule(kind, issued_on)
    if rule.years is None:
        return Validity(None, None, False)
    end = _anniversary(issued_on, rule.years)
    if rule.renewal_working_days is None:
        return Validity(end - dt.timedelta(days=1), None, False)
    opens = renewal_opens(end, rule.renewal_working_days)
    return Validity(end - dt.timedelta(days=1), opens.end, opens.provisional)


def renewal_opens(anniversary: dt.date, working_days: int) -> workdays.Count:
    """The first day of a renewal window of ``working_days`` working days before the
    term ends with the day before ``anniversary``."""
    return workdays.subtract(anniversary, working_days)


# Which approval settles which outcome: an assessment result settles the contract band too.
SETTLES = {
    Outcome.ASSESSMENT: (ApprovalKind.ASSESSMENT,),
    Outcome.CONTRACT: (ApprovalKind.ASSESSMENT, ApprovalKind.CERTIFICATION, ApprovalKind.CONTRACT),
}


@transaction.atomic
def record_approval(
    caller: Any,
    declaration: Declaration,
    *,
    kind: str,
    reference: str,
    issued_on: dt.date,
) -> Approval:
    """Record the result, certificate or filing the processor was given, for the counts
    the declaration has now (a later, larger count needs a new one)."""
    require_edit(caller, declaration)
    if declaration.counted_at is None:
        raise ValidationError(
            {"kind": [_("Count the declaration first (POST …/count); an approval covers counts.")]}
        )
    rule = validity_rule(kind, issued_on)
    valid = validity(kind, issued_on)
    approval = Approval.objects.create(
        declaration=declaration,
        kind=kind,
        reference=reference,
        issued_on=issued_on,
        valid_until=valid.valid_until,
        renewal_opens=valid.renewal_opens,
        renewal_provisional=valid.provisional,
        covers_non_sensitive=declaration.year_non_sensitive or 0,
        covers_sensitive=declaration.year_sensitive or 0,
        rule=rule,
    )
    audit.record(
        as_principal(caller),
        "transfer.approval_recorded",
        resource=f"declaration:{declaration.pk}",
        organization=declaration.processor,
        details={
            "kind": kind,
            "reference": reference,
            "issued_on": issued_on.isoformat(),
            "valid_until": valid.valid_until.isoformat() if valid.valid_until else None,
            "rule": rule.code,
        },
    )
    return approval


def covering_approval(declaration: Declaration, today: dt.date) -> Approval | None:
    """A valid approval of a kind that settles the declaration's outcome and covers its
    counts, or None."""
    kinds = SETTLES.get(Outcome(declaration.outcome), ()) if declaration.outcome else ()
    for approval in declaration.approvals.filter(kind__in=kinds, issued_on__lte=today):
        if approval.valid_until is not None and approval.valid_until < today:
            continue
        if (declaration.year_non_sensitive or 0) > approval.covers_non_sensitive:
            continue
        if (declaration.year_sensitive or 0) > approval.covers_sensitive:
            continue
        return approval
    return None
