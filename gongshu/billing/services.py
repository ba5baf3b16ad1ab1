"""Price plans, price caps and the plan of each agreement: who may write them and the
rules they keep. Statements live in ``statements.py``; metering in ``metering.py``.

The free/paid principle (DOMAIN.md §1, 数据二十条 item 4): public governance and public
welfare use is free under conditions (a quota; the agreement's policy already carries
attribution and no redistribution); scientific research may get a reduced plan; industry
development and commercial use are paid, under the data authority's caps.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from gongshu.access.models import Agreement, Purpose
from gongshu.audit import services as audit
from gongshu.billing import pricing
from gongshu.billing.models import WHOLE, AgreementPlan, PlanKind, PriceCap, PricePlan
from gongshu.catalog.models import Dataset
from gongshu.orgs.models import Organization
from gongshu.orgs.principal import Principal
from gongshu.policy import events

FREE_PURPOSES = (Purpose.PUBLIC_GOVERNANCE, Purpose.PUBLIC_WELFARE)
PAID_PURPOSES = (Purpose.INDUSTRY_DEVELOPMENT, Purpose.COMMERCIAL)
# Which price fields each kind needs; the others must be empty.
NEEDS = {
    PlanKind.FREE: {"included_calls"},
    PlanKind.PER_CALL: {"unit_price"},
    PlanKind.PER_THOUSAND_ROWS: {"unit_price"},
    PlanKind.PER_GB: {"unit_price"},
    PlanKind.SUBSCRIPTION: {"monthly_fee", "included_calls"},
    PlanKind.TIERED: {"tiers"},
}
PRICE_FIELDS = ("unit_price", "monthly_fee", "included_calls", "overage_price", "tiers")
PLAN_FIELDS = (
    "name",
    "kind",
    "purposes",
    *PRICE_FIELDS,
    "provider_bp",
    "operator_bp",
    "platform_bp",
    "operator",
    "valid_from",
    "valid_until",
)


def require_authority(actor: Principal) -> None:
    if actor.is_anonymous or not actor.is_data_authority:
        raise PermissionDenied(_("Only the data authority sets prices and price caps."))
    if not actor.allows("write"):
        raise PermissionDenied(_("This needs a session or a token with write scope."))


def _money_field(errors: dict, values: dict, name: str) -> Decimal | None:
    try:
        value = pricing.decimal(values.get(name))
    except ValueError:
        errors[name] = _("Give an amount in yuan, such as 0.05.")
        return None
    if value is not None and value < 0:
        errors[name] = _("An amount is zero or more.")
    return value


def set_cap(actor: Principal, kind: str, **maxes: Any) -> PriceCap:
    """The data authority's highest prices for ``kind`` (max_unit_price, max_monthly_fee,
    max_overage_price; None: no cap on that price)."""
    require_authority(actor)
    if kind not in PlanKind.values:
        raise ValidationError({"kind": _("Choose one of: %s.") % ", ".join(PlanKind.values)})
    errors: dict[str, str] = {}
    values = {
        name: _money_field(errors, maxes, name)
        for name in ("max_unit_price", "max_monthly_fee", "max_overage_price")
    }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        cap, _created = PriceCap.objects.update_or_create(
            kind=kind, defaults={**values, "set_by": actor.user}
        )
        audit.record(
            actor,
            "billing.cap",
            resource=f"price-cap:{kind}",
            details={k: str(v) if v is not None else None for k, v in values.items()},
        )
    return cap


def _check(values: dict[str, Any]) -> dict[str, Any]:
    """Validate a plan's fields; returns them cleaned (Decimals, parsed tiers). Raises
    ValidationError naming each bad field."""
    errors: dict[str, str] = {}
    kind = values.get("kind")
    if kind not in PlanKind.values:
        raise ValidationError({"kind": _("Choose one of: %s.") % ", ".join(PlanKind.values)})
    clean = dict(values)
    for name in ("unit_price", "monthly_fee", "overage_price"):
        clean[name] = _money_field(errors, values, name)
    included = values.get("included_calls")
    if included is not None and (not isinstance(included, int) or included < 0):
        errors["included_calls"] = _("Give a whole number of calls, zero or more.")
    tiers = values.get("tiers") or []
    if tiers:
        try:
            pricing.parse_tiers(tiers)
        except ValueError as exc:
            errors["tiers"] = str(exc)
    clean["tiers"] = tiers
    for name in PRICE_FIELDS:
        given = clean.get(name) not in (None, [], "")
        if name in NEEDS[kind] and not given:
            errors.setdefault(name, _("A %(kind)s plan needs %(field)s.") % {"kind": kind, "field": name})  # fmt: skip
        elif (
            given
            and name not in NEEDS[kind]
            and not (name == "overage_price" and kind == PlanKind.SUBSCRIPTION)
        ):
            errors.setdefault(name, _("A %(kind)s plan has no %(field)s.") % {"kind": kind, "field": name})  # fmt: skip
    purposes = values.get("purposes") or []
    if not purposes or set(purposes) - set(Purpose.values):
        errors["purposes"] = _("Name the purposes served, some of: %s.") % ", ".join(Purpose.values)
    elif kind != PlanKind.FREE and set(purposes) & set(FREE_PURPOSES):
        errors["purposes"] = _("Public governance and public welfare use is free; serve them with a free plan.")  # fmt: skip
    elif kind == PlanKind.FREE and set(purposes) & set(PAID_PURPOSES):
        errors["purposes"] = _("Industry and commercial use is paid; serve them with a priced plan.")  # fmt: skip
    shares: list[Any] = [values.get(n) for n in ("provider_bp", "operator_bp", "platform_bp")]
    if any(not isinstance(s, int) or s < 0 for s in shares) or sum(shares) != WHOLE:
        errors["shares"] = _("The provider's, operator's and platform's shares (basis points) add up to 10000.")  # fmt: skip
    if errors:
        raise ValidationError(errors)
    _within_caps(kind, clean)
    return clean


def _within_caps(kind: str, clean: dict[str, Any]) -> None:
    cap = PriceCap.objects.filter(kind=kind).first()
    if cap is None:
        return
    errors: dict[str, str] = {}
    over = _("Above the data authority's cap of %(cap)s yuan.")
    checks = [
        ("unit_price", clean.get("unit_price"), cap.max_unit_price),
        ("monthly_fee", clean.get("monthly_fee"), cap.max_monthly_fee),
        ("overage_price", clean.get("overage_price"), cap.max_overage_price),
    ]
    for name, value, highest in checks:
        if value is not None and highest is not None and value > highest:
            errors[name] = over % {"cap": highest}
    if cap.max_unit_price is not None:
        for tier in pricing.parse_tiers(clean["tiers"]) if clean["tiers"] else ():
            if tier.unit_price > cap.max_unit_price:
                errors["tiers"] = over % {"cap": cap.max_unit_price}
    if errors:
        raise ValidationError(errors)


def run_plan_checks(plan: PricePlan) -> None:
    """settings.PRICE_PLAN_CHECKS, each called with the plan about to be saved (unsaved) or
    used; each raises ValidationError when it may not be (e.g. above a product's cap set
    by the operation app)."""
    for path in getattr(settings, "PRICE_PLAN_CHECKS", ()):
        import_string(path)(plan)


def write_plan(actor: Principal, *, code: str, datasets: list[Dataset], **values: Any) -> PricePlan:
    """A new approved plan (version 1) by the data authority, within the caps."""
    require_authority(actor)
    if PricePlan.objects.filter(code=code).exists():
        raise ValidationError({"code": _("A plan %(c)s exists; revise it instead.") % {"c": code}})
    if not datasets:
        raise ValidationError({"datasets": _("Name at least one resource.")})
    values.setdefault("valid_from", timezone.localdate())
    clean = _check(values)
    run_plan_checks(PricePlan(code=code, version=1, **clean))
    with transaction.atomic():
        plan = PricePlan.objects.create(
            code=code, version=1, approved_by=actor.user, approved_at=timezone.now(), **clean
        )
        plan.datasets.set(datasets)
        _audit_plan(actor, "billing.plan", plan)
    plan.refresh_from_db()  # the stored Decimals (4 places), not the ones given
    return plan


def revise_plan(actor: Principal, plan: PricePlan, **changes: Any) -> PricePlan:
    """A new version of ``plan`` with ``changes``; agreements on the old version move to
    it. Usage already recorded keeps the old version's prices (it stored them)."""
    require_authority(actor)
    unknown = set(changes) - set(PLAN_FIELDS) - {"datasets"}
    if unknown:
        raise ValidationError(
            {sorted(unknown)[0]: _("This field is not known; check its spelling.")}
        )
    with transaction.atomic():
        old = PricePlan.objects.select_for_update().get(pk=plan.pk)
        if old.superseded_by_id is not None:
            raise ValidationError({"plan": _("Revise the latest version of the plan.")})
        values = {name: getattr(old, name) for name in PLAN_FIELDS}
        values.update(changes)
        values["valid_from"] = changes.get("valid_from") or timezone.localdate()
        datasets = changes.get("datasets") or list(old.datasets.all())
        values.pop("datasets", None)
        clean = _check(values)
        run_plan_checks(PricePlan(code=old.code, version=old.version + 1, **clean))
        new = PricePlan.objects.create(
            code=old.code,
            version=old.version + 1,
            approved_by=actor.user,
            approved_at=timezone.now(),
            **clean,
        )
        new.datasets.set(datasets)
        old.superseded_by = new
        old.valid_until = new.valid_from
        old.save(update_fields=["superseded_by", "valid_until"])
        AgreementPlan.objects.filter(plan=old).update(plan=new)
        _audit_plan(actor, "billing.plan.revise", new, previous=old.version)
    new.refresh_from_db()
    return new


def _audit_plan(actor: Principal, action: str, plan: PricePlan, **extra: Any) -> None:
    audit.record(
        actor,
        action,
        resource=f"price-plan:{plan.code}:v{plan.version}",
        details={
            "kind": plan.kind,
            "purposes": plan.purposes,
            **pricing.Prices.of(plan).snapshot(),
            **extra,
        },
    )


def current_plans(day: dt.date | None = None):
    day = day or timezone.localdate()
    return PricePlan.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gt=day),
        approved_at__isnull=False,
        superseded_by__isnull=True,
        valid_from__lte=day,
    )


def plans_for_purpose(datasets: list[Dataset], purpose: str) -> list[PricePlan]:
    """Current plans an agreement for ``purpose`` over ``datasets`` may get, best first:
    plans that serve the purpose and cover every resource. Governance and welfare: free
    plans only; industry and commercial: priced plans only; research: a plan serving
    research, the cheapest-looking kind first (free, then priced)."""
    plans = current_plans()
    for dataset in datasets:
        plans = plans.filter(datasets=dataset)
    fitting = [p for p in plans.distinct().order_by("id") if purpose in p.purposes]
    if purpose in FREE_PURPOSES:
        return [p for p in fitting if p.is_free]
    if purpose in PAID_PURPOSES:
        return [p for p in fitting if not p.is_free]
    return sorted(fitting, key=lambda p: (not p.is_free, p.id))


def plan_by_purpose(datasets: list[Dataset], purpose: str) -> PricePlan | None:
    fitting = plans_for_purpose(datasets, purpose)
    return fitting[0] if fitting else None


def assign_plan(agreement: Agreement, choice: str | None = None) -> PricePlan | None:
    """The agreement's plan, when it is issued: the reviewer's ``choice`` (a plan code)
    among the plans its purpose allows, else the first of them. Refuses (rolling back the
    approval) a choice the purpose does not allow, and industry or commercial use with no
    approved paid plan."""
    datasets = list(agreement.datasets.all())
    fitting = plans_for_purpose(datasets, agreement.purpose)
    if choice:
        plan = next((p for p in fitting if p.code == choice), None)
        if plan is None:
            raise ValidationError(
                {
                    "plan": _("The plan %(code)s does not serve this purpose and these resources.")
                    % {"code": choice}
                }
            )
    else:
        plan = fitting[0] if fitting else None
    if plan is not None:
        run_plan_checks(plan)
    if plan is None:
        if agreement.purpose in PAID_PURPOSES:
            raise ValidationError(
                {
                    "plan": _(
                        "%(purpose)s use of %(what)s is paid, and no approved paid price plan "
                        "serves it; the data authority must approve one first."
                    )
                    % {"purpose": agreement.purpose, "what": ", ".join(d.name for d in datasets)}
                }
            )
        return None
    AgreementPlan.objects.update_or_create(agreement=agreement, defaults={"plan": plan})
    return plan


def on_agreement_issued(event: events.AgreementIssued) -> None:
    """``AgreementIssued``'s handler, in the approval's transaction: the new agreement's
    plan (``assign_plan``). Its ValidationError rolls the approval back."""
    agreement = Agreement.objects.get(pk=event.agreement_id)
    assign_plan(agreement, choice=event.plan)


def set_agreement_plan(actor: Principal, agreement: Agreement, plan: PricePlan) -> AgreementPlan:
    """The data authority moves an agreement to another plan (future usage only)."""
    require_authority(actor)
    if agreement.purpose not in plan.purposes:
        raise ValidationError({"plan": _("This plan does not serve the agreement's purpose.")})
    with transaction.atomic():
        link, _created = AgreementPlan.objects.update_or_create(
            agreement=agreement, defaults={"plan": plan}
        )
        audit.record(
            actor,
            "billing.agreement_plan",
            resource=f"agreement:{agreement.pk}",
            details={"plan": plan.code, "version": plan.version},
        )
    return link


def operator_of(plan: PricePlan | None) -> Organization | None:
    return plan.operator if plan is not None else None
