"""Operators' admin for the organisation; customer data is worked through the scoped UI and API only."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from guanxi.core.models import ApiToken, OrgUnit, User


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "parent", "has_service", "province", "city")
    list_filter = ("kind", "has_service")
    search_fields = ("code", "name", "name_en")


@admin.register(User)
class GuanxiUserAdmin(UserAdmin):
    list_display = ("username", "first_name", "last_name", "role", "org_unit", "is_active")
    list_filter = ("role", "is_active")
    fieldsets = UserAdmin.fieldsets + (("Guanxi", {"fields": ("org_unit", "role", "language", "time_zone")}),)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "expires_at")
    readonly_fields = ("prefix",)
