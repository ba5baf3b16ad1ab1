"""Caps per product (上限收费标准, 65号 step 2), trial prices, and the check billing runs on
every price plan (settings.PRICE_PLAN_CHECKS → hooks.price_plan).

- A cap is set by the authorising body (the data authority) for one industry-class
  product, in one billing unit (a billing plan kind), sized by the yearly volume expected;
  the caps of an operator's products, each at its highest price times its volume (a
  subscription: fee × 12 × subscribers), add up to no more than the year's permitted
  revenue of the approved survey in force.
- The check: a plan that prices a public-welfare product must be free; a priced plan of an
  industry product needs the product's cap in force, in the cap's unit, every price at
  or under it (tiers included); a trial price whose term is over and not confirmed stops
  the plan. Plans that price no registered product are not this app's business.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gongshu.audit import services as audit
from gongshu.billing.models import PlanKind, PricePlan
from gongshu.billing.pricing import parse_tiers
from gongshu.operation import dates, pricing, reconciliation, rules, who
from gongshu.operation.models import OperationAgreement, ProductCap, SurveyStatus, TrialPrice
from gongshu.operation.surveys import current as current_survey
from gongshu.orgs.principal import Principal
from gongshu.registry.models import Product
from gongshu.registry.services.products import require_registered

UNIT_KINDS = (PlanKind.PER_CALL, PlanKind.PER_THOUSAND_ROWS, PlanKind.PER_GB, PlanKind.TIERED)
PRICE_NAMES = ("max_unit_price", "max_monthly_fee", "max_overage_price")


def current_cap(product: Product, day: dt.date) -> ProductCap | None:
    return (
        ProductCap.objects.filter(product=product, valid_from__lte=day)
        .filter(Q(superseded_at__isnull=True) | Q(superseded_at__gt=day))
        .order_by("-valid_from", "-id")
        .first()
    )


def yearly_revenue(cap: ProductCap) -> Decimal:
    """What the cap lets the product earn in a year at the expected volume."""
    if cap.kind == PlanKind.SUBSCRIPTION:
        return pricing.fen((cap.max_monthly_fee or Decimal(0)) * 12 * cap.expected_volume)
    return pricing.fen((cap.max_unit_price or Decimal(0)) * cap.expected_volume)


def set_cap(
    actor: Principal,
    product: Product,
    *,
    kind: str,
    expected_volume: Any,
    valid_from: dt.date | None = None,
    basis: str = "",
    **maxes: Any,
) -> ProductCap:
    """The product's cap from ``valid_from`` (today), superseding the one before."""
    who.require_authority(actor)
    day = valid_from or timezone.localdate()
    errors: dict[str, str] = {}
    if product.is_free:
        raise ValidationError({"product": rules.broken("p65-free")})
    if kind not in PlanKind.values or kind == PlanKind.FREE:
        raise ValidationError(
            {
                "kind": _("Choose a priced unit: %s.")
                % ", ".join(v for v in PlanKind.values if v != PlanKind.FREE)
            }
        )
    values: dict[str, Decimal | None] = {}
    for name in PRICE_NAMES:
        try:
            raw = maxes.get(name)
            values[name] = None if raw in (None, "") else pricing.parse(raw, 4)
        except ValueError as error:
            errors[name] = str(error)
            continue
        if values[name] is not None and values[name] < 0:  # type: ignore[operator]
            errors[name] = _("Give zero or more.")
    needed = "max_monthly_fee" if kind == PlanKind.SUBSCRIPTION else "max_unit_price"
    if needed not in errors and values.get(needed) is None:
        errors[needed] = _("A cap in %(kind)s needs %(field)s.") % {"kind": kind, "field": needed}
    try:
        volume = pricing.parse(expected_volume, 2)
        if volume < 0:
            errors["expected_volume"] = _("Give zero or more.")
    except ValueError as error:
        errors["expected_volume"] = str(error)
    survey = current_survey(product.operator, day)
    if survey is None:
        errors["product"] = _("%(op)s has no approved permitted revenue for %(day)s. %(rule)s") % {
            "op": product.operator.code,
            "day": day,
            "rule": rules.broken("p65-cap-within"),
        }
    if errors:
        raise ValidationError(errors)
    assert survey is not None and survey.status == SurveyStatus.APPROVED
    with transaction.atomic():
        draft = ProductCap(
            product=product,
            survey=survey,
            kind=kind,
            expected_volume=volume,
            basis=basis.strip(),
            valid_from=day,
            set_by=actor.user,
            **values,
        )
        others = [
            cap
            for other in Product.objects.filter(operator=product.operator).exclude(pk=product.pk)
            if (cap := current_cap(other, day)) is not None
        ]
        total = yearly_revenue(draft) + sum((yearly_revenue(c) for c in others), Decimal(0))
        allowed = reconciliation.year_permitted(survey, day.year)
        if total > allowed:
            raise ValidationError(
                {
                    needed: _(
                        "The caps would let %(op)s earn %(total)s yuan a year at the expected volumes, above its permitted revenue of %(allowed)s. %(rule)s"
                    )
                    % {
                        "op": product.operator.code,
                        "total": total,
                        "allowed": allowed,
                        "rule": rules.broken("p65-cap-within"),
                    }
                }
            )
        ProductCap.objects.filter(product=product, superseded_at__isnull=True).update(
            superseded_at=day
        )
        draft.save()
        audit.record(
            actor,
            "operation.cap",
            resource=f"product-cap:{product.code}",
            organization=product.operator,
            details={"kind": kind, **{k: str(v) for k, v in values.items() if v is not None}},
        )
    return draft


def first_operation(product: Product) -> dt.date | None:
    return (
        OperationAgreement.objects.filter(operator=product.operator)
        .order_by("valid_from")
        .values_list("valid_from", flat=True)
        .first()
    )


def declare_trial(
    actor: Principal, product: Product, *, starts_on: dt.date, ends_on: dt.date
) -> TrialPrice:
    """A trial price's term, for an operator without a full year of operation."""
    who.require_writer(actor, product.operator)
    rule = rules.get("p65-trial")
    errors: dict[str, str] = {}
    last = dates.add_months(starts_on, int(rule.number)) - dt.timedelta(days=1)
    if ends_on < starts_on:
        errors["ends_on"] = _("The trial ends on or after its first day.")
    elif ends_on > last:
        errors["ends_on"] = _("%(rule)s From %(start)s it ends by %(last)s.") % {
            "rule": rules.broken("p65-trial"),
            "start": starts_on,
            "last": last,
        }
    began = first_operation(product)
    if began is not None and starts_on >= dates.add_years(began, 1):
        errors["starts_on"] = _(
            "%(op)s has operated a full year (since %(d)s); its prices are no longer trial prices. %(rule)s"
        ) % {
            "op": product.operator.code,
            "d": began,
            "rule": rules.broken("p65-trial"),
        }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        trial = TrialPrice.objects.create(
            product=product, starts_on=starts_on, ends_on=ends_on, declared_by=actor.user
        )
        audit.record(
            actor,
            "operation.trial_price",
            resource=f"product:{product.code}",
            organization=product.operator,
            details={"from": str(starts_on), "to": str(ends_on)},
        )
    return trial


def confirm_trial(actor: Principal, trial: TrialPrice, *, on: dt.date) -> TrialPrice:
    """The trial price becomes the regular price (still under the cap)."""
    who.require_writer(actor, trial.product.operator)
    trial.confirmed_on = on
    trial.save(update_fields=["confirmed_on"])
    audit.record(
        actor,
        "operation.trial_confirmed",
        resource=f"product:{trial.product.code}",
        organization=trial.product.operator,
        details={"on": str(on)},
    )
    return trial


def _over(product: Product, plan: PricePlan, cap: ProductCap) -> dict[str, str]:
    errors: dict[str, str] = {}
    over = _("%(price)s is above product %(product)s's cap of %(cap)s yuan. %(rule)s")
    # Worded only when something is over: the check runs on every read under the plan.
    rule = functools.partial(rules.broken, "p65-price-within-cap")
    checks: list[tuple[str, Decimal | None, Decimal | None]] = [
        ("unit_price", plan.unit_price, cap.max_unit_price),
        ("monthly_fee", plan.monthly_fee, cap.max_monthly_fee),
        ("overage_price", plan.overage_price, cap.max_overage_price),
    ]
    if plan.kind == PlanKind.TIERED and plan.tiers:
        checks += [("tiers", t.unit_price, cap.max_unit_price) for t in parse_tiers(plan.tiers)]
    for name, price, highest in checks:
        if price is None:
            continue
        if highest is None:
            if name == "overage_price":
                errors[name] = _(
                    "Product %(product)s's cap sets no overage price; this plan has none. %(rule)s"
                ) % {"product": product.code, "rule": rule()}
            continue
        if Decimal(price) > highest:
            errors.setdefault(
                name,
                over % {"price": price, "product": product.code, "cap": highest, "rule": rule()},
            )
    return errors


def check_plan(plan: PricePlan) -> None:
    """ValidationError when ``plan`` may not be saved or used for the products it prices."""
    day = max(timezone.localdate(), plan.valid_from or timezone.localdate())
    errors: dict[str, str] = {}
    for product in Product.objects.filter(price_plan_code=plan.code).order_by("code"):
        if product.is_free:
            if not plan.is_free:
                errors["kind"] = _(
                    "Product %(p)s serves public governance or welfare. %(rule)s"
                ) % {
                    "p": product.code,
                    "rule": rules.broken("p65-free"),
                }
            continue
        if plan.is_free:
            continue
        try:
            # 27号 art. 16: a data product is registered before it is sold.
            require_registered(product, day)
        except ValidationError as unregistered:
            errors["product"] = " ".join(unregistered.message_dict["product"])
            continue
        cap = current_cap(product, day)
        if cap is None:
            errors["plan"] = _(
                "Product %(p)s has no cap in force; the authorising body sets one first. %(rule)s"
            ) % {
                "p": product.code,
                "rule": rules.broken("p65-cap-within"),
            }
            continue
        if cap.kind != plan.kind:
            errors["kind"] = _(
                "Product %(p)s's cap is set in %(unit)s; price it in that unit. %(rule)s"
            ) % {
                "p": product.code,
                "unit": cap.kind,
                "rule": rules.broken("p65-price-within-cap"),
            }
            continue
        errors.update(_over(product, plan, cap))
        trial = product.operation_trials.filter(confirmed_on__isnull=True).first()
        if trial is not None and trial.ends_on < day:
            errors["plan"] = _(
                "Product %(p)s's trial price ended on %(d)s and is not confirmed. %(rule)s"
            ) % {
                "p": product.code,
                "d": trial.ends_on,
                "rule": rules.broken("p65-trial"),
            }
    if errors:
        raise ValidationError(errors)
