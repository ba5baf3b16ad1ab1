from django.contrib import admin

from gongshu.annotation.models import Annotation, Member, Output, Project, Review, Task


class MemberInline(admin.TabularInline):
    model = Member
    extra = 0


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ("id", "title", "organization", "dataset", "overlap", "created_at")
    search_fields = ("title", "dataset__name")
    inlines = [MemberInline]
    # Tasks, schema and version are set when a project is made (services), not here.
    readonly_fields = ("organization", "dataset", "version", "agreement_id", "schema", "selection",
                       "created_by")  # fmt: skip


@admin.register(Task)
class TaskAdmin(admin.ModelAdmin):
    list_display = ("id", "project", "row", "is_gold", "done", "target", "complete", "locked_by")
    list_filter = ("is_gold", "complete")
    raw_id_fields = ("project", "locked_by")

    def has_add_permission(self, request):  # tasks come from a project's selection
        return False


@admin.register(Annotation)
class AnnotationAdmin(admin.ModelAdmin):
    list_display = ("id", "project", "task", "annotator", "status", "gold_correct", "seconds")
    list_filter = ("status",)
    raw_id_fields = ("task", "project", "annotator")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):  # changed by review only
        return False


@admin.register(Review)
class ReviewAdmin(admin.ModelAdmin):
    list_display = ("id", "annotation", "reviewer", "verdict", "at")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Output)
class OutputAdmin(admin.ModelAdmin):
    list_display = ("id", "project", "source_version", "version", "made_by", "at")
