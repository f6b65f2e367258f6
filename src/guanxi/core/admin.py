"""Operators' admin for the organisation; customer data is worked through the scoped UI and API only."""

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.db import transaction
from django.http import HttpResponseRedirect
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import (
    ApiToken,
    CalendarDay,
    DomainEvent,
    Membership,
    OrgUnit,
    RolePolicy,
    User,
    administrators,
)


class LastAdministrator(Exception):
    pass


class KeepsAnAdministrator:
    """Refuses a role, membership or user edit that would leave nobody able to administer Guanxi.

    The check runs after the save, on what the database would then hold, inside the admin's
    transaction; failing, it rolls the edit back and the page says why.
    """

    refusal = _(
        "Refused: after this change nobody could administer Guanxi. Give another user an administrator role first."
    )

    @staticmethod
    def _check() -> None:
        if not administrators().exists():
            raise LastAdministrator

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self._check()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        self._check()

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            super().delete_queryset(request, queryset)
            self._check()

    def _refusing(self, view, request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except LastAdministrator:
            messages.error(request, self.refusal)
            return HttpResponseRedirect(request.get_full_path())

    def changeform_view(self, request, *args, **kwargs):
        return self._refusing(super().changeform_view, request, *args, **kwargs)

    def delete_view(self, request, *args, **kwargs):
        return self._refusing(super().delete_view, request, *args, **kwargs)

    def changelist_view(self, request, *args, **kwargs):
        return self._refusing(super().changelist_view, request, *args, **kwargs)


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
class GuanxiUserAdmin(KeepsAnAdministrator, UserAdmin):
    list_display = ("username", "first_name", "last_name", "is_active")
    list_filter = ("is_active", "memberships__role", "memberships__org_unit__kind")
    fieldsets = UserAdmin.fieldsets + (("Guanxi", {"fields": ("language", "time_zone")}),)
    inlines = (MembershipInline,)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "user", "prefix", "created_at", "expires_at")
    readonly_fields = ("prefix",)


@admin.register(DomainEvent)
class DomainEventAdmin(admin.ModelAdmin):
    """Operators look here for events a consumer keeps failing on (attempts, last error)."""

    list_display = ("occurred_at", "name", "object_id", "actor", "channel", "handled_at", "attempts")
    list_filter = ("name", ("handled_at", admin.EmptyFieldListFilter))
    readonly_fields = [field.name for field in DomainEvent._meta.fields]


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    """China's public holidays and make-up working days: next year's go in when the State Council
    publishes them (around November); every working-hours clock observes them within a minute."""

    list_display = ("date", "weekday", "working", "name", "name_en")
    list_filter = ("working", "name_en")
    date_hierarchy = "date"
    search_fields = ("name", "name_en")

    @admin.display(description=_("weekday"))
    def weekday(self, day):
        return date_format(day.date, "l")


admin.site.unregister(Group)


class RolePolicyInline(admin.StackedInline):
    """Session length and second factor; they apply from each member's next sign-in."""

    model = RolePolicy
    can_delete = False
    max_num = 1


@admin.register(Group)
class RoleAdmin(KeepsAnAdministrator, GroupAdmin):
    """Roles: a group and its permissions. A new role applies on its members' next request."""

    inlines = (RolePolicyInline,)
