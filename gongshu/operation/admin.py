from django.contrib import admin

from gongshu.operation.models import (
    BondYield,
    CostSurvey,
    ImplementationPlan,
    OperationAgreement,
    OperatorSelection,
    ProductCap,
    Reconciliation,
    ReportReminder,
    Rule,
    RuleSet,
    TrialPrice,
)


class RuleInline(admin.TabularInline):
    model = Rule
    extra = 0
    fields = ("position", "code", "topic", "item", "value", "unit", "article", "confirmed")
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


class ReadOnly(admin.ModelAdmin):
    """Records change through the services (checked and audited), never in the admin."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImplementationPlan)
class PlanAdmin(ReadOnly):
    list_display = ("name", "implementing_body", "mode", "status", "approved_on", "filed_on")
    list_filter = ("status", "mode")


@admin.register(OperatorSelection)
class SelectionAdmin(ReadOnly):
    list_display = ("plan", "method", "operator", "decided_on")


@admin.register(OperationAgreement)
class AgreementAdmin(ReadOnly):
    list_display = ("reference", "operator", "valid_from", "valid_until", "status")
    list_filter = ("status",)


@admin.register(BondYield)
class BondYieldAdmin(ReadOnly):
    list_display = ("year", "percent", "source")


@admin.register(CostSurvey)
class SurveyAdmin(ReadOnly):
    list_display = ("operator", "cycle_start", "cycle_end", "permitted_revenue", "status")


@admin.register(ProductCap)
class CapAdmin(ReadOnly):
    list_display = ("product", "kind", "max_unit_price", "max_monthly_fee", "valid_from")


@admin.register(TrialPrice)
class TrialAdmin(ReadOnly):
    list_display = ("product", "starts_on", "ends_on", "confirmed_on")


@admin.register(Reconciliation)
class ReconciliationAdmin(ReadOnly):
    list_display = ("survey", "year", "permitted", "actual", "deviation", "outcome")


@admin.register(ReportReminder)
class ReportReminderAdmin(ReadOnly):
    list_display = ("operator", "year", "due_on", "sent_on", "recipients")
