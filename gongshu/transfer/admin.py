from django.contrib import admin

from gongshu.transfer.models import Approval, Declaration, DeclaredResource, Rule, RuleSet


class RuleInline(admin.TabularInline):
    model = Rule
    extra = 0
    fields = ("position", "code", "group", "outcome", "article", "when", "exempts")
    readonly_fields = fields
    can_delete = False


@admin.register(RuleSet)
class RuleSetAdmin(admin.ModelAdmin):
    """Read-only: a change of rule is a new rule set (a data file and its migration)."""

    list_display = ("version", "valid_from", "title")
    inlines = [RuleInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ResourceInline(admin.TabularInline):
    model = DeclaredResource
    extra = 0
    readonly_fields = ("dataset", "fields")
    can_delete = False


class ApprovalInline(admin.TabularInline):
    model = Approval
    extra = 0
    readonly_fields = ("kind", "reference", "issued_on", "valid_until", "renewal_opens")
    can_delete = False


@admin.register(Declaration)
class DeclarationAdmin(admin.ModelAdmin):
    """Read-only here: declarations change through the services (audited), via the API."""

    list_display = (
        "id",
        "processor",
        "recipient_name",
        "recipient_country",
        "outcome",
        "split_flag",
    )
    list_filter = ("outcome", "split_flag", "recipient_country")
    inlines = [ResourceInline, ApprovalInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False
