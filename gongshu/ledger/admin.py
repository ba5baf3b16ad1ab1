"""The ledger in Django's admin: read-only views of the books (every change goes through
the services, which post balanced entries and respect closed periods)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from gongshu.ledger.models import (
    Account,
    Card,
    CostEntry,
    Element,
    Entry,
    Line,
    Period,
    Rule,
    Valuation,
)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Card)
class CardAdmin(ReadOnly):
    list_display = ("code", "title", "organization", "classification", "source", "status")
    list_filter = ("classification", "source", "status")
    search_fields = ("code", "title", "organization__code")


@admin.register(CostEntry)
class CostAdmin(ReadOnly):
    list_display = (
        "date",
        "organization",
        "card",
        "element",
        "amount",
        "status",
        "treatment",
        "rule",
    )
    list_filter = ("status", "treatment", "element__code")


class LineInline(admin.TabularInline):
    model = Line
    fields = ("account", "debit", "credit", "movement")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Entry)
class EntryAdmin(ReadOnly):
    list_display = ("number", "date", "organization", "kind", "memo", "rule")
    list_filter = ("kind",)
    inlines = [LineInline]


@admin.register(Period)
class PeriodAdmin(ReadOnly):
    list_display = ("organization", "kind", "start", "end", "closed_at")


@admin.register(Valuation)
class ValuationAdmin(ReadOnly):
    list_display = ("card", "approach", "on", "value")


for model in (Account, Element, Rule):
    admin.site.register(model, ReadOnly)
