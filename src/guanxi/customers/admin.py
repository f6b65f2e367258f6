"""What administrators review in Django's admin: the guarded look-ups (read only): searches by ID number and
vehicle registrations refused because the VIN is on record elsewhere."""

from django.contrib import admin

from guanxi.customers.models import GuardedLookup


@admin.register(GuardedLookup)
class GuardedLookupAdmin(admin.ModelAdmin):
    list_display = ("at", "user", "kind", "subject")
    list_filter = ("kind", "user")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
