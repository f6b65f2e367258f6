"""Operators' admin for the contact-center floor: agents' skills and capacity, and the live queue.

An agent's state is not a field to type into: occupancy is counted from the state log, and a state change may
have to offer the agent work. An operator sends an agent offline or on a break with the list's actions, which
go through the same service as the agent's own buttons (a forgotten login at the end of a shift, say)."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from guanxi.contact_center import services
from guanxi.contact_center.models import Agent, QueuedContact


def _set_state(state):
    def action(modeladmin, request, queryset):
        for agent in queryset.select_related("user"):
            try:
                with transaction.atomic():
                    services.set_agent_state(agent, state)
            except ValidationError as exc:
                modeladmin.message_user(request, f"{agent.user}: {' '.join(exc.messages)}", messages.ERROR)
            else:
                modeladmin.message_user(request, f"{agent.user}: {Agent.State(state).label}", messages.SUCCESS)
    action.__name__ = f"set_{state}"  # the admin tells actions apart by name
    return action


@admin.register(Agent)
class AgentAdmin(admin.ModelAdmin):
    list_display = ("user", "state", "skills", "languages", "capacity", "last_assignment_at")
    list_filter = ("state",)
    list_select_related = ("user",)
    search_fields = ("user__username", "user__first_name", "user__last_name")
    readonly_fields = ("state", "state_since", "last_assignment_at")
    actions = [
        admin.action(description=_("Sign the selected agents out (offline)"), permissions=["change"])(
            _set_state(Agent.State.OFFLINE)),
        admin.action(description=_("Put the selected agents on a break"), permissions=["change"])(
            _set_state(Agent.State.BREAK)),
    ]


@admin.register(QueuedContact)
class QueuedContactAdmin(admin.ModelAdmin):
    list_display = ("pk", "channel", "tier", "state", "arrival", "offered_to", "offered_at", "fallback")
    list_filter = ("state", "channel", "tier", "fallback")  # "fallback" set: nobody could serve it as asked
    list_select_related = ("offered_to__user",)
    raw_id_fields = ("offered_to", "customer", "interaction")
