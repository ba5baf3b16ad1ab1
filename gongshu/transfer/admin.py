from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from gongshu.transfer import ftz
from gongshu.transfer.models import (
    Approval,
    Declaration,
    DeclaredResource,
    FtzEntry,
    FtzList,
    Rule,
    RuleSet,
)


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


class FtzImportForm(forms.ModelForm):
    """Adding a list is importing its file (ftz.py), as the command does."""

    file = forms.FileField(label=_("list file (.json or .csv)"))
    zone_code = forms.CharField(label=_("free-trade zone"), max_length=60)
    list_version = forms.CharField(label=_("version (CSV)"), max_length=60, required=False)
    list_valid_from = forms.CharField(label=_("valid from (CSV)"), required=False)

    class Meta:
        model = FtzList
        fields = ()

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload is not None:
            try:
                self.parsed = ftz.parse_bytes(
                    upload.read(),
                    upload.name,
                    zone=data.get("zone_code") or "",
                    version=data.get("list_version") or None,
                    valid_from=data.get("list_valid_from") or None,
                )
            except ftz.ListFileError as error:
                raise forms.ValidationError(str(error)) from None
        return data


class FtzEntryInline(admin.TabularInline):
    model = FtzEntry
    extra = 0
    fields = ("position", "category", "sub_category", "field", "description", "terms")
    readonly_fields = fields
    can_delete = False


@admin.register(FtzList)
class FtzListAdmin(admin.ModelAdmin):
    """A list is imported (a file, here or by ``gongshu transfer import-ftz-list``) and
    then read-only: a new version of the list is a new import."""

    list_display = ("zone", "version", "valid_from", "title", "imported_at")
    readonly_fields = ("zone", "version", "valid_from", "title", "source", "imported_at")

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            return FtzImportForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [(None, {"fields": ("file", "zone_code", "list_version", "list_valid_from")})]
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else ()

    def get_inlines(self, request, obj):
        return [FtzEntryInline] if obj is not None else []

    def save_form(self, request, form, change):
        if change:
            return super().save_form(request, form, change)
        stored, _state = ftz.store(form.parsed, request.user)
        return stored

    def save_model(self, request, obj, form, change):
        if change:
            super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        if change:
            super().save_related(request, form, formsets, change)

    def has_change_permission(self, request, obj=None):
        return False
