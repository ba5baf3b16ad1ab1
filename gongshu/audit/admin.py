from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from gongshu.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the application offers no way to edit or delete an entry."""

    list_display = ("seq", "at", "actor_username", "organization", "action", "resource")
    list_filter = ("action",)
    search_fields = ("actor_username", "resource", "action")
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEvent | None = None) -> bool:
        return False
