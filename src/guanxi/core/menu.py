"""Navigation by role: each entry names the permission it needs, so the menu never shows a dead end."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.core.scoping import may

MENU = [
    ("home", _("Home"), None),
    ("customers:list", _("Customers"), ("customer", "view")),
    ("customers:vehicles", _("Vehicles"), ("vehicle", "view")),
]


def menu_for(user) -> list[dict]:
    return [
        {"url": reverse(name), "label": label, "name": name}
        for name, label, needs in MENU
        if needs is None or may(user, *needs)
    ]
