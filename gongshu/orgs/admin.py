from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from gongshu.orgs import services
from gongshu.orgs.models import ApiToken, Membership, Organization, PlatformRole
from gongshu.orgs.principal import Principal


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("code", "name_zh", "name_en", "kind", "region", "parent")
    list_filter = ("kind",)
    search_fields = ("code", "name_zh", "name_en")
    autocomplete_fields = ("parent",)


class _GrantAdmin(admin.ModelAdmin):
    """Roles are granted and revoked, never edited, and always through the services, so
    the back office follows the same rules and leaves the same audit entries as the API."""

    actions = None  # bulk delete would skip the services

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Membership)
class MembershipAdmin(_GrantAdmin):
    list_display = ("user", "organization", "role", "created_at")
    list_filter = ("role", "organization")
    search_fields = ("user__username", "organization__code", "organization__name_zh")
    autocomplete_fields = ("user", "organization")

    def save_model(self, request: HttpRequest, obj: Membership, form: Any, change: bool) -> None:
        granted = services.grant_role(
            Principal.for_user(request.user), obj.user, obj.organization, obj.role
        )
        obj.pk = granted.pk

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        services.revoke_role(Principal.for_user(request.user), obj.user, obj.organization, obj.role)


@admin.register(PlatformRole)
class PlatformRoleAdmin(_GrantAdmin):
    list_display = ("user", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username",)
    autocomplete_fields = ("user",)

    def save_model(self, request: HttpRequest, obj: PlatformRole, form: Any, change: bool) -> None:
        obj.pk = services.grant_platform_role(
            Principal.for_user(request.user), obj.user, obj.role
        ).pk

    def delete_model(self, request: HttpRequest, obj: PlatformRole) -> None:
        services.revoke_platform_role(Principal.for_user(request.user), obj.user, obj.role)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are shown, never created or edited here: their owner makes them through the
    API, the only place the secret is ever displayed."""

    list_display = ("prefix", "name", "owner", "scope", "expires_at", "revoked_at", "last_used_at")
    list_filter = ("scope",)
    search_fields = ("prefix", "name", "owner__username")
    readonly_fields = [f.name for f in ApiToken._meta.fields if f.name != "secret_hash"]
    exclude = ("secret_hash",)
    actions = None

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
