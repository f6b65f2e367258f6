"""Operators' admin for the organisation; customer data is worked through the scoped UI and API only."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from guanxi.core.models import ApiToken, Membership, OrgUnit, User


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "parent", "has_service", "province", "city")
    list_filter = ("kind", "has_service")
    search_fields = ("code", "name", "name_en")


class MembershipInline(admin.TabularInline):
    """Where the user works and in which role there; rights are the union over these rows."""

    model = Membership
    extra = 1
    autocomplete_fields = ("org_unit",)


@admin.register(User)
class GuanxiUserAdmin(UserAdmin):
    list_display = ("username", "first_name", "last_name", "is_active")
    list_filter = ("is_active", "memberships__role", "memberships__org_unit__kind")
    fieldsets = UserAdmin.fieldsets + (("Guanxi", {"fields": ("language", "time_zone")}),)
    inlines = (MembershipInline,)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "expires_at")
    readonly_fields = ("prefix",)
