"""Read-only admin: jobs, outputs, budgets and nodes change only through the services
(a job's status flow, the budget's conditional charges, the nodes' data migration)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from gongshu.compute.models import Budget, Charge, Job, Node, Output


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Node)
class NodeAdmin(ReadOnly):
    list_display = ("code", "name_zh", "hub", "region", "pue", "green_share", "price_per_core_hour")
    list_filter = ("region", "hub", "approved_for_important")


@admin.register(Job)
class JobAdmin(ReadOnly):
    list_display = ("uid", "organization", "kind", "status", "node", "created_at")
    list_filter = ("status", "kind")
    search_fields = ("uid", "title")


@admin.register(Output)
class OutputAdmin(ReadOnly):
    list_display = ("job", "name", "status", "rows", "bytes")
    list_filter = ("status",)


@admin.register(Budget)
class BudgetAdmin(ReadOnly):
    list_display = ("dataset", "organization", "period", "total", "spent")


@admin.register(Charge)
class ChargeAdmin(ReadOnly):
    list_display = ("job", "budget", "epsilon", "refunded", "at")
