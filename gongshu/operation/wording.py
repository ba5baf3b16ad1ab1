"""What an operation notification says, by kind (access's notifications word themselves
when read, by kind and values: ``settings.NOTIFICATION_WORDINGS`` lists this table).
The values: ``y`` the year reported, ``due`` the day the report is due, ``org`` the
operator (from ``org_zh``/``org_en``), ``article`` the rule's citation."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

REPORT_DUE = "operation.report_due"

MESSAGES: dict[str, tuple[Promise, Promise | None]] = {
    REPORT_DUE: (
        _("The report for %(y)s is due by %(due)s"),
        _(
            "The report of %(org)s for %(y)s (cost, revenue and profit, sales and revenue "
            "per product, the gap to the permitted revenue, price changes) is due to the "
            "price and data authorities by %(due)s (%(article)s). The year is not "
            "reconciled yet: submit the figures the reconciliation needs."
        ),
    ),
}
