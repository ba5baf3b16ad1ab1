"""The rule rows in force: cost elements, treatment rules, accounts. The newest rule set
whose ``valid_from`` is on or before the day asked is the one in force."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from gongshu.ledger.models import Account, Element, Rule, RuleSet

# The accounts the services post to, by role (codes of the chart in rules/*.json).
BANK = "1002"
INVENTORY = "1405.01"
WRITE_DOWN = "1471.01"
INTANGIBLE = "1701.01"
AMORTISATION = "1702.01"
IMPAIRMENT = "1703.01"
DEVELOPMENT = "5301.01"
PAYABLE = "2202"
REVENUE = "6001"
DISPOSAL_RESULT = "6115"
COST_OF_SALES = "6401"
RESEARCH_EXPENSE = "6602.01"
AMORTISATION_EXPENSE = "6602.02"
DATA_COSTS = "6602.03"
IMPAIRMENT_LOSS = "6701"
DERECOGNITION_LOSS = "6711"


def rule_set(on: dt.date | None = None) -> RuleSet:
    found = RuleSet.objects.order_by("-valid_from")
    if on is not None:
        found = found.filter(valid_from__lte=on)
    chosen = found.first()
    if chosen is None:
        chosen = RuleSet.objects.order_by("valid_from").first()
    if chosen is None:
        raise RuntimeError("no ledger rule set is loaded; run `gongshu migrate`")
    return chosen


def element(code: str, on: dt.date | None = None, field: str = "element") -> Element:
    found = Element.objects.filter(rule_set=rule_set(on), code=code).first()
    if found is None:
        codes = ", ".join(elements(on).values_list("code", flat=True))
        raise ValidationError(
            {
                field: [
                    _("Unknown cost element %(code)s; use one of: %(codes)s.")
                    % {"code": code, "codes": codes}
                ]
            }
        )
    return found


def elements(on: dt.date | None = None) -> Any:
    return Element.objects.filter(rule_set=rule_set(on))


def rule(code: str, on: dt.date | None = None) -> Rule:
    return Rule.objects.get(rule_set=rule_set(on), code=code)


def accounts() -> dict[str, Account]:
    return {account.code: account for account in Account.objects.all()}


def cited(found: Rule | None) -> dict[str, str] | None:
    if found is None:
        return None
    return {
        "code": found.code,
        "article": found.article,
        "text_zh": found.text_zh,
        "text_en": found.text_en,
    }
