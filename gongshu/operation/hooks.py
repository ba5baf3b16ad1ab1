"""The checks other apps call through settings-listed dotted paths, so that access and
billing never import this app:

- ``authorized_operation`` (settings.AGREEMENT_ISSUE_CHECKS, called by access when it
  issues an agreement, in the approval's transaction): an agreement of the authorized-
  operation channel needs a filed operation agreement of its licensee that covers every
  resource and the whole period, under a filed plan, with the providing department's
  consent for each resource shared from another department; it is linked to it
  (``AccessLink``). Any other channel passes untouched.
- ``price_plan`` (settings.PRICE_PLAN_CHECKS, called by billing when a plan is written,
  revised, assigned or used): caps.check_plan.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gongshu.access.models import Agreement, Channel
from gongshu.billing.models import PricePlan
from gongshu.operation import caps, plans, rules
from gongshu.operation.agreements import needs_consent
from gongshu.operation.models import (
    AccessLink,
    AgreementStatus,
    OperationAgreement,
    PlanStatus,
    ProviderConsent,
)


def _problem(candidate: OperationAgreement, agreement: Agreement, wanted: set[int]) -> str | None:
    if candidate.status != AgreementStatus.FILED:
        return rules.broken("a14-filed")
    if candidate.plan.status != PlanStatus.FILED:
        return plans.not_filed(candidate.plan)
    if not (
        candidate.valid_from <= agreement.valid_from
        and agreement.valid_until <= candidate.valid_until
    ):
        return _(
            "Operation agreement %(ref)s runs %(a)s to %(b)s; the access period must lie within it."
        ) % {
            "ref": candidate.reference,
            "a": candidate.valid_from,
            "b": candidate.valid_until,
        }
    covered = set(candidate.datasets.values_list("pk", flat=True))
    if not wanted <= covered:
        return _("Operation agreement %(ref)s does not cover every requested resource.") % {
            "ref": candidate.reference
        }
    consented = set(
        ProviderConsent.objects.filter(agreement=candidate).values_list("dataset_id", flat=True)
    )
    lacking = [d.name for d in needs_consent(candidate) if d.pk in wanted and d.pk not in consented]
    if lacking:
        return _("%(names)s: no consent of the providing department recorded. %(rule)s") % {
            "names": ", ".join(sorted(lacking)),
            "rule": rules.broken("consent-shared"),
        }
    return None


def authorized_operation(agreement: Agreement) -> None:
    if agreement.channel != Channel.OPERATION:
        return
    wanted = set(agreement.datasets.values_list("pk", flat=True))
    candidates = (
        OperationAgreement.objects.filter(operator=agreement.organization)
        .exclude(status=AgreementStatus.TERMINATED)
        .select_related("plan")
        .order_by("-valid_from", "-id")
    )
    problems = []
    for candidate in candidates:
        problem = _problem(candidate, agreement, wanted)
        if problem is None:
            AccessLink.objects.update_or_create(
                access_agreement=agreement, defaults={"operation_agreement": candidate}
            )
            return
        problems.append(problem)
    why = (
        problems[0]
        if problems
        else _("%(org)s has no operation agreement on record.")
        % {"org": agreement.organization.code}
    )
    raise ValidationError({"channel": f"{why} {rules.broken('access-needs-agreement')}"})


def price_plan(plan: PricePlan) -> None:
    caps.check_plan(plan)
