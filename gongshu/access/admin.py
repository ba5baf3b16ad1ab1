"""Back office: read-only views of applications, agreements and usage. Transitions go
through the API (services), so the admin never skips a check, a notification or the log."""

from __future__ import annotations

from django.contrib import admin

from gongshu.access.models import Agreement, Application, DailyUsage, Notification
from gongshu.ops.readonly import ReadOnlyAdmin


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ("id", "organization", "provider", "channel", "purpose", "status", "created_at")
    list_filter = ("status", "channel", "purpose", "needs_authority")
    search_fields = ("organization__code", "provider__code", "description")


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyAdmin):
    list_display = ("id", "organization", "provider", "channel", "status", "valid_until")
    list_filter = ("status", "channel")
    search_fields = ("organization__code", "provider__code")


@admin.register(DailyUsage)
class DailyUsageAdmin(ReadOnlyAdmin):
    list_display = ("agreement", "day", "calls", "rows")
    list_filter = ("day",)


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("recipient", "subject", "created_at", "read_at")
