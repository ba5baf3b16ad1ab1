"""The transfer condition of the gate (settings.GATE_CONDITIONS): a read by an
organization that has declared a resource for a recipient abroad is a transfer, and is
let through only as far as a valid outcome covers it.

- No such declaration: nothing to check.
- ``Action.TRANSFER`` is the declaration's own counting read (counting.py); the outcome
  is what it produces, so it is not asked for here (the agreement must still permit
  ``transfer``).
- Otherwise each declaration covering the resource must be counted for this year, its
  outcome exempt or settled by a valid approval that covers its counts; the read is then
  narrowed to the declared fields. A refusal says which path the processor must take.
"""

from __future__ import annotations

from gongshu.policy.conditions import Ask, Grant, Refused
from gongshu.policy.decision import Action
from gongshu.policy.reasons import reason as _  # remembers its msgid: the audit log words it again
from gongshu.transfer import services
from gongshu.transfer.models import DOMESTIC, Declaration, Outcome


def _paths() -> dict[str, str]:
    return {
        Outcome.ASSESSMENT: _(
            "apply through the provincial CAC for a data-export security assessment "
            "(CAC order 16 art. 7) and record the result on the declaration"
        ),
        Outcome.CONTRACT: _(
            "conclude the standard contract and file it with the provincial CAC, or obtain "
            "a protection certificate (CAC order 16 art. 8), and record it on the declaration"
        ),
        Outcome.PROHIBITED: _("remove the core data from the declaration: it never leaves"),
        Outcome.NEEDS_INFO: _("complete the declaration and count it again"),
    }


def declared_abroad(ask: Ask, grant: Grant) -> None:
    if ask.action == Action.TRANSFER or not ask.facts.org_ids:
        return
    declarations = (
        Declaration.objects.filter(
            processor_id__in=sorted(ask.facts.org_ids), resources__dataset=ask.dataset
        )
        .exclude(recipient_country=DOMESTIC)
        .prefetch_related("resources")
        .distinct()
    )
    declared: set[str] | None = set()
    for declaration in declarations:
        _settled(ask, declaration)
        for resource in declaration.resources.all():
            if resource.dataset_id == ask.dataset.pk:
                if not resource.fields:
                    declared = None
                elif declared is not None:
                    declared |= set(resource.fields)
    if declared:
        fields = declared if grant.fields is None else declared & set(grant.fields)
        grant.fields = tuple(sorted(fields))


def _settled(ask: Ask, declaration: Declaration) -> None:
    number = {"n": declaration.pk, "to": declaration.recipient_name,
              "where": declaration.recipient_country}  # fmt: skip
    year = ask.today.year
    if declaration.count_year != year:
        raise Refused(
            _(
                "Declaration #%(n)s sends this resource to %(to)s (%(where)s) and is not "
                "counted for %(year)s; count it (POST /api/v1/transfer/declarations/%(n)s/"
                "count) before reading."
            )
            % {**number, "year": year}
        )
    outcome = declaration.outcome
    if outcome == Outcome.EXEMPT:
        return
    settled = outcome in (Outcome.ASSESSMENT, Outcome.CONTRACT)
    if settled and services.covering_approval(declaration, ask.today) is not None:
        return
    path = _paths().get(outcome, _paths()[Outcome.NEEDS_INFO])
    raise Refused(
        _(
            "Declaration #%(n)s sends this resource to %(to)s (%(where)s); its outcome is "
            "%(outcome)s and no valid approval covers its %(ns)s people (%(s)s sensitive) "
            "this year. To read it: %(path)s."
        )
        % {
            **number,
            "outcome": Outcome(outcome).label if outcome else Outcome.NEEDS_INFO.label,
            "ns": declaration.year_non_sensitive or 0,
            "s": declaration.year_sensitive or 0,
            "path": path,
        }
    )
