"""Back office: scans and decisions are records, read-only; tags change through the API
so that every override is audited."""

from __future__ import annotations

from django.contrib import admin

from gongshu.ops.readonly import ReadOnlyAdmin
from gongshu.privacy.models import ClassificationDecision, FieldTag, Scan


@admin.register(Scan)
class ScanAdmin(ReadOnlyAdmin):
    list_display = ("version", "status", "sampled_rows", "seconds", "created_at")
    list_filter = ("status",)


@admin.register(FieldTag)
class FieldTagAdmin(ReadOnlyAdmin):
    list_display = ("field", "state", "detector", "confidence", "updated_at")
    list_filter = ("state", "detector")


@admin.register(ClassificationDecision)
class ClassificationDecisionAdmin(ReadOnlyAdmin):
    list_display = ("dataset", "level", "general_sublevel", "authority", "decided_at")
    list_filter = ("level", "authority")
