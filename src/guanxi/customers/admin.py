"""What administrators review in Django's admin: the searches by ID number (read only)."""

from django.contrib import admin

from guanxi.customers.models import NationalIdLookup


@admin.register(NationalIdLookup)
class NationalIdLookupAdmin(admin.ModelAdmin):
    list_display = ("at", "user")
    list_filter = ("user",)
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
