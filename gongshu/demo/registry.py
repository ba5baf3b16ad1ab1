"""The demo's registrations (26号): the transport commission's resources that have data
registered — deposited, accepted, reviewed, noticed for 10 working days and coded, on
dates in the recent past so that every period has run — and one of them left in public
notice (one no product is built from); then the demo operator's products, built from the
flights resource — the registry's free index and the operation demo's two (free and paid
under a cap) — registered the same way once their source is registered (27号 art. 16:
resources first). Decisions are the platform admin's (the
registration authority). Idempotent: a subject already registered or in progress is
left as it is."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from gongshu.catalog.models import Dataset
from gongshu.demo.loader import load_users
from gongshu.orgs import services as orgs
from gongshu.orgs.models import Membership, Organization
from gongshu.orgs.principal import Principal
from gongshu.policy import workdays
from gongshu.registry.models import Product, Registration, Status
from gongshu.registry.services import deposit as deposits
from gongshu.registry.services import products, workflow
from gongshu.registry.services.common import today

PROVIDER, OPERATOR = "sh-transport", "sh-data-group"
LOGINS = {
    PROVIDER: ("registry-transport", "registers the transport commission's resources"),
    OPERATOR: ("registry-operator", "registers the operator's data products"),
}
PRODUCT: dict[str, Any] = {
    "code": "flight-delay-index",
    "name": "航班延误指数",
    "name_en": "Flight delay index",
    "product_class": "public_welfare",
    "description": "按机场和日期汇总的航班延误指数，供公众出行参考，无偿提供。",
}
SOURCE = "nyc-flights"
# The operation demo's products (gongshu/demo/operation.py), made before this step.
OPERATION_PRODUCTS = ("flights-punctuality-index", "flights-delay-api")
ACTIVE = (Status.SUBMITTED, Status.MISSING_ITEMS, Status.REVIEW, Status.NOTICE, Status.REGISTERED)


def _editor(code: str) -> Principal:
    username = LOGINS[code][0]
    user = get_user_model().objects.get(username=username)
    organization = Organization.objects.get(code=code)
    if not Membership.objects.filter(user=user, organization=organization, role="editor").exists():
        orgs.grant_role(None, user, organization, "editor")
    return Principal.for_user(user)


def _walk(
    applicant: Principal, authority: Principal, start: dt.date, *, conclude: bool, **subject
) -> Registration:
    """Apply on ``start`` and take each step on the first day it may be taken."""
    evidence = deposits.deposit(applicant, **subject)
    target = subject.get("dataset") or subject.get("product")
    name = getattr(target, "title_zh", None) or target.name  # type: ignore[union-attr]
    summary = getattr(target, "description_zh", "") or getattr(target, "description", "") or name
    registration = workflow.apply(
        applicant,
        kind="first",
        deposit=evidence,
        data_name=name,
        summary=summary[:500],
        on=start,
        **subject,
    )
    accepted = workdays.add(start, 1).end
    workflow.accept(authority, registration, on=accepted)
    workflow.approve(authority, registration, on=workdays.add(accepted, 5).end)
    if conclude:
        assert registration.notice_ends is not None
        workflow.conclude(
            authority, registration, on=registration.notice_ends + dt.timedelta(days=1)
        )
    return registration


def _register_products(
    operator: Principal, authority: Principal, source: Dataset, day: dt.date
) -> list[Registration]:
    """Each demo product over the flights version, registered from the day after its
    source was coded (a product is registered only over registered resources)."""
    version = source.versions.get(is_current=True)
    found = list(Product.objects.filter(code__in=(PRODUCT["code"], *OPERATION_PRODUCTS)))
    if not any(p.code == PRODUCT["code"] for p in found):
        found.append(
            products.create_product(
                operator,
                Organization.objects.get(code=OPERATOR),
                source_versions=[version.pk],
                holding_rights_holder=source.provider,
                processing_rights_holder=Organization.objects.get(code=OPERATOR),
                **PRODUCT,
            )
        )
    source_coded = (
        Registration.objects.filter(dataset=source, status=Status.REGISTERED)
        .order_by("-coded_on")
        .values_list("coded_on", flat=True)
        .first()
    )
    if source_coded is None:
        return []
    start = max(source_coded + dt.timedelta(days=1), workdays.subtract(day, 20).end)
    made = []
    for product in sorted(found, key=lambda p: p.code):
        if Registration.objects.filter(product=product, status__in=ACTIVE).exists():
            continue
        if not product.source_versions.exists():
            product.source_versions.set([version])
        made.append(_walk(operator, authority, start, conclude=True, product=product))
    return made


def load(report: Callable[[str], None] = print) -> dict:
    logins = load_users([(login, role, False, False) for login, role in LOGINS.values()])
    authority = Principal.for_user(get_user_model().objects.get(username="admin"))
    clerk, operator = _editor(PROVIDER), _editor(OPERATOR)
    day = today()
    # Far enough back that the resources (acceptance 1, review 5, notice 10 working days)
    # and then the products built on them are coded before today.
    past = workdays.subtract(day, 45).end
    coded: list[Registration] = []
    noticed: list[Registration] = []
    datasets = list(
        Dataset.objects.filter(provider__code=PROVIDER, versions__is_current=True)
        .order_by("name")
        .distinct()
    )
    # The one left in public notice is one no product is built from.
    datasets.sort(key=lambda d: d.name == SOURCE, reverse=True)
    for index, dataset in enumerate(datasets):
        if Registration.objects.filter(dataset=dataset, status__in=ACTIVE).exists():
            continue
        last = index == len(datasets) - 1 and len(datasets) > 1
        with transaction.atomic():
            # The last one applied a few days ago: it is in public notice today.
            start = workdays.subtract(day, 8).end if last else past
            made = _walk(clerk, authority, start, conclude=not last, dataset=dataset)
        (noticed if last else coded).append(made)
    source = Dataset.objects.filter(name=SOURCE).first()
    if source is not None and source.versions.filter(is_current=True).exists():
        with transaction.atomic():
            coded.extend(_register_products(operator, authority, source, day))
    codes = ", ".join(r.code for r in coded) or "none new"
    report(f"registry: {len(coded)} registered ({codes}), {len(noticed)} in public notice")
    return {"registered": [r.code for r in coded], "logins": logins}
