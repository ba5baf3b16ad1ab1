"""Back office for versions and ingests: read-only, because both are records of what
happened; changes go through the API or the CLI so the rules in services hold."""

from __future__ import annotations

from django.contrib import admin

from gongshu.ops.readonly import ReadOnlyAdmin
from gongshu.tabular.models import Ingest, Version


@admin.register(Version)
class VersionAdmin(ReadOnlyAdmin):
    list_display = ("dataset", "number", "row_count", "byte_size", "is_current", "created_at")
    list_filter = ("is_current", "source_format")
    search_fields = ("dataset__name", "sha256", "source_name")
    raw_id_fields = ("dataset",)


@admin.register(Ingest)
class IngestAdmin(ReadOnlyAdmin):
    list_display = ("uid", "dataset", "source_name", "status", "phase", "rows_done", "created_at")
    list_filter = ("status",)
    search_fields = ("dataset__name", "source_name", "uid")
    raw_id_fields = ("dataset",)
