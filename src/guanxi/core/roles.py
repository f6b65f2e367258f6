"""Roles and what each may do, declared as data so the scoping layer and the menu read one table.

Actions are "view", "change", "add", "delete". Where a role may act is decided separately,
by the org unit of the user (see scoping.py): a dealer manager may change customers, but only
the dealer's own.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    HQ_SALES = "hq_sales", _("HQ sales")
    HQ_MARKETING = "hq_marketing", _("HQ marketing")
    ANALYST = "analyst", _("Analyst")
    AGENT = "agent", _("Call-center agent")
    SUPERVISOR = "supervisor", _("Call-center supervisor")
    DEALER_MANAGER = "dealer_manager", _("Dealer manager")
    DEALER_SALES = "dealer_sales", _("Dealer sales")
    SERVICE_ADVISOR = "service_advisor", _("Service advisor")


VIEW = frozenset({"view"})
WORK = frozenset({"view", "add", "change"})
ALL = frozenset({"view", "add", "change", "delete"})

# role -> model key -> allowed actions. Anything not listed is denied.
PERMISSIONS: dict[str, dict[str, frozenset[str]]] = {
    Role.ADMIN: {"customer": ALL, "vehicle": ALL, "interaction": ALL, "orgunit": ALL},
    Role.HQ_SALES: {"customer": WORK, "vehicle": VIEW, "interaction": WORK, "orgunit": VIEW},
    Role.HQ_MARKETING: {"customer": WORK, "vehicle": VIEW, "interaction": WORK, "orgunit": VIEW},
    Role.ANALYST: {"customer": VIEW, "vehicle": VIEW, "interaction": VIEW, "orgunit": VIEW},
    Role.AGENT: {"customer": WORK, "vehicle": WORK, "interaction": WORK, "orgunit": VIEW},
    Role.SUPERVISOR: {"customer": WORK, "vehicle": WORK, "interaction": WORK, "orgunit": VIEW},
    Role.DEALER_MANAGER: {"customer": WORK, "vehicle": WORK, "interaction": WORK, "orgunit": VIEW},
    Role.DEALER_SALES: {"customer": WORK, "vehicle": WORK, "interaction": WORK, "orgunit": VIEW},
    Role.SERVICE_ADVISOR: {"customer": VIEW, "vehicle": WORK, "interaction": WORK, "orgunit": VIEW},
}


def allows(role: str, model_key: str, action: str) -> bool:
    return action in PERMISSIONS.get(role, {}).get(model_key, frozenset())
