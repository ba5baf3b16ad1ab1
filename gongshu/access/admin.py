"""Back office: read-only views of applications, agreements and usage. Transitions go
through the API (services), so the admin never skips a check, a notification or the log."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from gongshu.access.models import Agreement, Application, DailyUsage, Notification


class _ReadOnly(admin.ModelAdmin):
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Application)
class ApplicationAdmin(_ReadOnly):
    list_display = ("id", "organization", "provider", "channel", "purpose", "status", "created_at")
    list_filter = ("status", "channel", "purpose", "needs_authority")
    search_fields = ("organization__code", "provider__code", "description")


@admin.register(Agreement)
class AgreementAdmin(_ReadOnly):
    list_display = ("id", "organization", "provider", "channel", "status", "valid_until")
    list_filter = ("status", "channel")
    search_fields = ("organization__code", "provider__code")


@admin.register(DailyUsage)
class DailyUsageAdmin(_ReadOnly):
    list_display = ("agreement", "day", "calls", "rows")
    list_filter = ("day",)


@admin.register(Notification)
class NotificationAdmin(_ReadOnly):
    list_display = ("recipient", "subject", "created_at", "read_at")
