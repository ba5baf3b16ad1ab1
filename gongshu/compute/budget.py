"""The privacy budget ledger: epsilon per (resource, licensee, calendar month).

A DP job is charged before it runs, by one conditional UPDATE (``spent + e <= total``), so
two jobs racing for the last of a budget cannot both pass; a job that then fails gets its
charge back. A refusal says what is left."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from gongshu.compute import rules
from gongshu.compute.models import Budget, Charge, Job

QUANTUM = Decimal("0.0001")


def period(today=None) -> str:
    day = today or timezone.localdate()
    return f"{day:%Y-%m}"


def ledger(dataset, organization, when: str | None = None) -> Budget:
    """The budget row of the period, made at the rule's allowance when missing."""
    budget, _made = Budget.objects.get_or_create(
        dataset=dataset,
        organization=organization,
        period=when or period(),
        defaults={"total": Decimal(str(rules.value("epsilon-per-month")))},
    )
    return budget


def left(budget: Budget) -> Decimal:
    return budget.total - budget.spent


def charge(job: Job, dataset, epsilon: Decimal) -> Charge:
    """Charge ``epsilon`` to the job's budget on ``dataset``, or refuse with what is left."""
    epsilon = epsilon.quantize(QUANTUM)
    with transaction.atomic():
        budget = ledger(dataset, job.organization)
        taken = Budget.objects.filter(pk=budget.pk, spent__lte=F("total") - epsilon).update(
            spent=F("spent") + epsilon
        )
        if not taken:
            budget.refresh_from_db()
            raise ValidationError(
                {
                    "dp": _(
                        "The privacy budget of %(org)s on %(name)s for %(period)s is %(total)s; "
                        "%(left)s is left, less than the %(eps)s this job asks. Lower epsilon "
                        "or wait for the next period."
                    )
                    % {
                        "org": job.organization.code,
                        "name": dataset.name,
                        "period": budget.period,
                        "total": budget.total.normalize(),
                        "left": left(budget).normalize(),
                        "eps": epsilon.normalize(),
                    }
                }
            )
        return Charge.objects.create(budget=budget, job=job, epsilon=epsilon)


def refund(job: Job) -> int:
    """Give back the job's charges not yet refunded (the job failed before releasing)."""
    with transaction.atomic():
        count = 0
        for item in Charge.objects.select_for_update().filter(job=job, refunded=False):
            Budget.objects.filter(pk=item.budget_id).update(spent=F("spent") - item.epsilon)
            item.refunded = True
            item.save(update_fields=["refunded"])
            count += 1
        return count
