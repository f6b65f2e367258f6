"""Operators' admin for the contact-center floor: agents' skills and capacity, and the live queue."""

from django.contrib import admin

from guanxi.contact_center.models import Agent, QueuedContact


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ("user", "state", "skills", "languages", "capacity", "last_assignment_at")
    list_filter = ("state",)
    list_select_related = ("user",)
    search_fields = ("user__username", "user__first_name", "user__last_name")


@admin.register(QueuedContact)
class QueuedContactAdmin(admin.ModelAdmin):
    list_display = ("pk", "channel", "tier", "state", "arrival", "offered_to", "offered_at", "fallback")
    list_filter = ("state", "channel", "tier", "fallback")  # "fallback" set: nobody could serve it as asked
    list_select_related = ("offered_to__user",)
    raw_id_fields = ("offered_to", "customer", "interaction")
