"""Data products: built by an operator from resources offered for authorized operation,
with lineage to the exact source versions; public-welfare products are free, industry
products are paid (65号); registered before sale (27号 art. 16). Billing and the
operation records call ``require_registered`` before a product is sold or priced."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from gongshu.audit import services as audit
from gongshu.orgs.models import Organization, OrgKind
from gongshu.registry.models import Product, ProductClass
from gongshu.registry.services import rules
from gongshu.registry.services.common import require_applicant, today
from gongshu.tabular.models import Version


def require_registered(product: Product, on: dt.date | None = None) -> None:
    """Raise a ValidationError citing the rule unless ``product`` has a registration in
    force on ``on`` (today by default)."""
    day = on or today()
    if product.current_registration(day) is None:
        row = rules.rule("products-registered", day)
        raise rules.broken(
            "product",
            row,
            _("%(code)s has no registration in force; register it before it is sold.")
            % {"code": product.code},
        )


def _versions(ids: list[int]) -> list[Version]:
    found = {v.pk: v for v in Version.objects.filter(pk__in=ids).select_related("dataset")}
    missing = sorted(set(ids) - set(found))
    if missing:
        raise ValidationError(
            {"source_versions": [_("No version %(ids)s.") % {"ids": ", ".join(map(str, missing))}]}
        )
    closed = sorted({v.dataset.name for v in found.values() if not v.dataset.authorized_operation})
    if closed:
        raise ValidationError(
            {
                "source_versions": [
                    _(
                        "%(names)s not offered for authorized operation; a product is built from authorized resources only."
                    )
                    % {"names": ", ".join(closed)}
                ]
            }
        )
    return list(found.values())


@transaction.atomic
def create_product(
    caller: Any,
    operator: Organization,
    *,
    code: str,
    name: str,
    product_class: str,
    source_versions: list[int],
    name_en: str = "",
    description: str = "",
    price_plan_code: str | None = None,
    holding_rights_holder: Organization | None = None,
    processing_rights_holder: Organization | None = None,
    operation_rights_holder: Organization | None = None,
    authorisation_ends: dt.date | None = None,
) -> Product:
    principal = require_applicant(caller, operator)
    if operator.kind != OrgKind.OPERATOR:
        raise ValidationError({"operator": [_("Data products are built by a licensed operator.")]})
    if product_class not in ProductClass.values:
        raise ValidationError(
            {"product_class": [_("Use one of: %(c)s.") % {"c": ", ".join(ProductClass.values)}]}
        )
    if Product.objects.filter(code=code).exists():
        raise ValidationError(
            {"code": [_("A product %(code)s exists; choose another code.") % {"code": code}]}
        )
    if product_class == ProductClass.PUBLIC_WELFARE and price_plan_code:
        raise ValidationError(
            {
                "price_plan_code": [
                    _(
                        "Public-welfare products are free (发改价格〔2025〕65号); give no price plan."
                    )
                ]
            }
        )
    versions = _versions(source_versions)
    if not versions:
        raise ValidationError(
            {"source_versions": [_("Name the source versions the product is built from.")]}
        )
    product = Product.objects.create(
        code=code,
        name=name,
        name_en=name_en,
        operator=operator,
        product_class=product_class,
        description=description,
        price_plan_code=price_plan_code or None,
        holding_rights_holder=holding_rights_holder,
        processing_rights_holder=processing_rights_holder,
        operation_rights_holder=operation_rights_holder or operator,
        authorisation_ends=authorisation_ends,
    )
    product.source_versions.set(versions)
    audit.record(
        principal,
        "registry.product_created",
        resource=f"product:{product.code}",
        organization=operator,
        details={"class": product_class, "versions": sorted(v.pk for v in versions)},
    )
    return product
