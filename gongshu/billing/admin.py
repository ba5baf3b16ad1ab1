"""Back office: read-only views of plans, caps, usage, aggregates and statements. Every
write goes through the services (API or CLI), so the admin never skips a cap check, the
audit log or the immutability of what was recorded."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from gongshu.billing.models import (
    CreditNote,
    DailyAggregate,
    PriceCap,
    PricePlan,
    Statement,
    UsageEvent,
)


class _ReadOnly(admin.ModelAdmin):
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(PricePlan)
class PricePlanAdmin(_ReadOnly):
    list_display = ("code", "version", "kind", "unit_price", "monthly_fee", "included_calls", "valid_from", "superseded_by")  # fmt: skip
    list_filter = ("kind",)
    search_fields = ("code", "name")


@admin.register(PriceCap)
class PriceCapAdmin(_ReadOnly):
    list_display = ("kind", "max_unit_price", "max_monthly_fee", "max_overage_price", "set_by", "set_at")  # fmt: skip


@admin.register(UsageEvent)
class UsageEventAdmin(_ReadOnly):
    list_display = ("at", "caller", "organization", "dataset", "agreement", "plan", "rows", "bytes", "audit_seq")  # fmt: skip
    list_filter = ("day",)


@admin.register(DailyAggregate)
class DailyAggregateAdmin(_ReadOnly):
    list_display = ("day", "agreement", "plan", "calls", "rows", "bytes")


@admin.register(Statement)
class StatementAdmin(_ReadOnly):
    list_display = ("number", "agreement", "month", "total", "payment", "issued_at")
    list_filter = ("payment", "month")


@admin.register(CreditNote)
class CreditNoteAdmin(_ReadOnly):
    list_display = ("number", "statement", "amount", "issued_at")
