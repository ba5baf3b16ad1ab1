"""Back office: read-only views of plans, caps, usage, aggregates and statements. Every
write goes through the services (API or CLI), so the admin never skips a cap check, the
audit log or the immutability of what was recorded."""

from __future__ import annotations

from django.contrib import admin

from gongshu.billing.models import (
    CreditNote,
    DailyAggregate,
    PriceCap,
    PricePlan,
    Statement,
    UsageEvent,
)
from gongshu.ops.readonly import ReadOnlyAdmin


@admin.register(PricePlan)
class PricePlanAdmin(ReadOnlyAdmin):
    list_display = ("code", "version", "kind", "unit_price", "monthly_fee", "included_calls", "valid_from", "superseded_by")  # fmt: skip
    list_filter = ("kind",)
    search_fields = ("code", "name")


@admin.register(PriceCap)
class PriceCapAdmin(ReadOnlyAdmin):
    list_display = ("kind", "max_unit_price", "max_monthly_fee", "max_overage_price", "set_by", "set_at")  # fmt: skip


@admin.register(UsageEvent)
class UsageEventAdmin(ReadOnlyAdmin):
    list_display = ("at", "caller", "organization", "dataset", "agreement", "plan", "rows", "bytes", "audit_seq")  # fmt: skip
    list_filter = ("day",)


@admin.register(DailyAggregate)
class DailyAggregateAdmin(ReadOnlyAdmin):
    list_display = ("day", "agreement", "plan", "calls", "rows", "bytes")


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdmin):
    list_display = ("number", "agreement", "month", "total", "payment", "issued_at")
    list_filter = ("payment", "month")


@admin.register(CreditNote)
class CreditNoteAdmin(ReadOnlyAdmin):
    list_display = ("number", "statement", "amount", "issued_at")
