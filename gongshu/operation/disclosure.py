"""What is public (27号 arts. 18–19; 65号): the implementing bodies' authorisations
(object, content, scope, term) and each operator's products with their class, fee and cap.
Only filed operation agreements and registered products are disclosed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q
from django.utils import timezone

from gongshu.billing.models import PricePlan
from gongshu.billing.pricing import Prices
from gongshu.operation.caps import current_cap
from gongshu.operation.models import AgreementStatus, OperationAgreement
from gongshu.orgs.principal import Principal
from gongshu.registry.models import Product


def current_plan(code: str, day: dt.date) -> PricePlan | None:
    return (
        PricePlan.objects.filter(code=code, approved_at__isnull=False, valid_from__lte=day)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gt=day))
        .order_by("-version")
        .first()
    )


def authorisations() -> list[dict[str, Any]]:
    found = (
        OperationAgreement.objects.filter(status=AgreementStatus.FILED)
        .select_related("plan__implementing_body", "operator")
        .order_by("-valid_from", "pk")
    )
    return [
        {
            "implementing_body": a.plan.implementing_body.name_zh,
            "implementing_body_en": a.plan.implementing_body.name_en,
            "authorising_government": a.plan.authorising_government,
            "object": a.operator.name_zh,
            "object_en": a.operator.name_en,
            "operator": a.operator.code,
            "content": a.products,
            "scope": sorted(a.datasets.values_list("name", flat=True)),
            "mode": a.plan.mode,
            "valid_from": str(a.valid_from),
            "valid_until": str(a.valid_until),
            "reference": a.reference,
        }
        for a in found
    ]


def products(day: dt.date | None = None) -> list[dict[str, Any]]:
    """Registered products of operators with a filed agreement, with fee and cap."""
    day = day or timezone.localdate()
    operators = OperationAgreement.objects.filter(status=AgreementStatus.FILED).values("operator")
    listed = (
        Product.objects.visible_to(Principal.anonymous())
        .filter(operator__in=operators)
        .select_related("operator")
        .order_by("operator__code", "code")
    )
    out = []
    for product in listed:
        plan = current_plan(product.price_plan_code, day) if product.price_plan_code else None
        cap = current_cap(product, day)
        trial = product.operation_trials.filter(
            confirmed_on__isnull=True, starts_on__lte=day, ends_on__gte=day
        ).first()
        out.append(
            {
                "operator": product.operator.code,
                "operator_name": product.operator.name_zh,
                "operator_name_en": product.operator.name_en,
                "code": product.code,
                "name": product.name,
                "name_en": product.name_en,
                "class": product.product_class,
                "fee": Prices.of(plan).snapshot() if plan else None,
                "cap": None
                if cap is None
                else {
                    "kind": cap.kind,
                    "max_unit_price": None
                    if cap.max_unit_price is None
                    else str(cap.max_unit_price),
                    "max_monthly_fee": None
                    if cap.max_monthly_fee is None
                    else str(cap.max_monthly_fee),
                },
                "trial_until": str(trial.ends_on) if trial else None,
            }
        )
    return out


def public() -> dict[str, Any]:
    return {"authorisations": authorisations(), "products": products()}
