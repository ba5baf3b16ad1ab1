"""The registry in the admin: read-mostly. Every change of a registration's state goes
through the services (audited, with its due dates), so the admin cannot write them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from gongshu.registry.models import (
    Deposit,
    Objection,
    Product,
    Registration,
    RegistrationEvent,
    Rule,
    RuleSet,
)


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RuleInline(admin.TabularInline):
    model = Rule
    extra = 0
    can_delete = False
    readonly_fields = ("code", "value", "unit", "article", "confirmed", "text_en", "text_zh")


@admin.register(RuleSet)
class RuleSetAdmin(ReadOnly):
    list_display = ("version", "valid_from", "title")
    inlines = [RuleInline]


@admin.register(Product)
class ProductAdmin(ReadOnly):
    list_display = ("code", "name", "operator", "product_class", "authorisation_ends")
    list_filter = ("product_class",)
    search_fields = ("code", "name", "name_en")


@admin.register(Deposit)
class DepositAdmin(ReadOnly):
    list_display = ("digest", "subject", "subject_type", "dataset", "product", "created_at")


class EventInline(admin.TabularInline):
    model = RegistrationEvent
    extra = 0
    can_delete = False
    readonly_fields = ("action", "on", "by", "rule", "note")


@admin.register(Registration)
class RegistrationAdmin(ReadOnly):
    list_display = (
        "code",
        "kind",
        "data_name",
        "applicant",
        "status",
        "submitted_on",
        "expires_on",
    )
    list_filter = ("status", "kind", "subject_type")
    search_fields = ("code", "data_name")
    inlines = [EventInline]


@admin.register(Objection)
class ObjectionAdmin(ReadOnly):
    list_display = ("registration", "real_name", "filed_on", "status")
    exclude = ("id_digest",)
