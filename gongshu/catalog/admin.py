from django.contrib import admin

from gongshu.catalog import services
from gongshu.catalog.models import Dataset, Field, Link


class FieldInline(admin.TabularInline):
    model = Field
    extra = 0
    fields = ("position", "name", "title", "type", "unit", "sensitivity", "description")


class LinkInline(admin.TabularInline):
    model = Link
    extra = 0
    fields = ("position", "url", "title", "format", "media_type", "description")


@admin.register(Dataset)
class DatasetAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "title_zh",
        "domain",
        "provider",
        "status",
        "level",
        "sharing_attribute",
        "opening_attribute",
        "authorized_operation",
        "updated_at",
    )
    list_filter = (
        "status",
        "domain",
        "level",
        "sharing_attribute",
        "opening_attribute",
        "authorized_operation",
        "provider",
    )
    search_fields = ("name", "title_zh", "title_en")
    autocomplete_fields = ("provider",)
    readonly_fields = ("uid", "created_at", "updated_at", "published_at")
    inlines = [FieldInline, LinkInline]

    def save_model(self, request, obj, form, change):
        # The same path as the API, so segmentation and rules apply to admin edits too.
        services.save_dataset(
            obj, actor=request.user, action="dataset.update" if change else "dataset.create"
        )
