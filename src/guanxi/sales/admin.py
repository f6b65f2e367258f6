"""Head office's admin for the sales reference lists: the reasons a lead or deal is reported lost."""

from django.contrib import admin

from guanxi.sales.models import LostReason


@admin.register(LostReason)
class LostReasonAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "active")
    list_filter = ("active",)
    search_fields = ("code", "name", "name_en")
