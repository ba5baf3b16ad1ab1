"""The survey in the admin: forms, categories and campaigns to look at. Submissions are
confidential and change only through the services (drafts, reviews, corrections), so
the admin shows their state, never their answers."""

from django.contrib import admin
from django.http import HttpRequest

from gongshu.survey.models import Assignment, Campaign, Category, FormVersion, Submission


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(FormVersion)
class FormVersionAdmin(ReadOnly):
    list_display = ("form", "number", "source_name", "created_at")
    exclude = ("source", "definition", "xform")


@admin.register(Category)
class CategoryAdmin(ReadOnly):
    """A change of category rule is a new rule set (a data file and its migration)."""

    list_display = ("rule_set", "code", "name_zh", "test", "article")


@admin.register(Campaign)
class CampaignAdmin(ReadOnly):
    list_display = ("year", "status", "opens_on", "closes_on", "published")


@admin.register(Assignment)
class AssignmentAdmin(ReadOnly):
    list_display = ("campaign", "organization", "sector", "category", "extended_until")
    list_filter = ("campaign",)


@admin.register(Submission)
class SubmissionAdmin(ReadOnly):
    list_display = ("assignment", "state", "revision", "updated_at")
    list_filter = ("state",)
    fields = ("assignment", "state", "revision", "submitted_at", "accepted_at")
