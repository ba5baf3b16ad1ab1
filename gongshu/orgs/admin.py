from django.contrib import admin

from gongshu.orgs.models import Organization


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "kind", "region", "parent")
    list_filter = ("kind",)
    search_fields = ("code", "name_zh", "name_en")
    autocomplete_fields = ("parent",)
