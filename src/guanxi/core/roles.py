"""Roles and what each may do, declared as data so the scoping layer and the menu read one table.

Actions are "view", "change", "add", "delete" and, for customers, "erase". Where a role may act is decided separately,
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
# Erasure on request (PIPL / GDPR) cannot be undone: only administrators and call-center
# supervisors, who handle such requests, may do it.
ERASE = frozenset({"erase"})

# role -> model key -> allowed actions. Anything not listed is denied.
PERMISSIONS: dict[str, dict[str, frozenset[str]]] = {
    Role.ADMIN: {"customer": ALL | ERASE, "vehicle": ALL, "interaction": ALL, "orgunit": ALL, "staffing": VIEW},
    Role.HQ_SALES: {"customer": WORK, "vehicle": VIEW, "interaction": WORK, "orgunit": VIEW},
    Role.HQ_MARKETING: {"customer": WORK, "vehicle": VIEW, "interaction": WORK, "orgunit": VIEW},
    Role.ANALYST: {"customer": VIEW, "vehicle": VIEW, "interaction": VIEW, "orgunit": VIEW, "staffing": VIEW},
    Role.AGENT: {"customer": WORK, "vehicle": WORK, "interaction": WORK, "orgunit": VIEW},
    Role.SUPERVISOR: {
        "customer": WORK | ERASE, "vehicle": WORK, "interaction": WORK, "orgunit": VIEW,
        "staffing": VIEW,  # contact-center staffing page, simulator (API and page)
    },
    Role.DEALER_MANAGER: {"customer": WORK, "vehicle": WORK, "interaction": WORK, "orgunit": VIEW},
    Role.DEALER_SALES: {"customer": WORK, "vehicle": WORK, "interaction": WORK, "orgunit": VIEW},
    Role.SERVICE_ADVISOR: {"customer": VIEW, "vehicle": WORK, "interaction": WORK, "orgunit": VIEW},
}


def allows(role: str, model_key: str, action: str) -> bool:
    return action in PERMISSIONS.get(role, {}).get(model_key, frozenset())
