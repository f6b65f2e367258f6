"""Navigation by role: each entry names the permission it needs, so the menu never shows a dead end."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.core.scoping import may

# (url name, label, icon, (model key, action) needed or None)
MENU = [
    ("home", _("Home"), "home", None),
    ("customers:list", _("Customers"), "users", ("customer", "view")),
    ("customers:vehicles", _("Vehicles"), "car", ("vehicle", "view")),
    ("contact_center:staffing", _("Staffing"), "headset", ("staffing", "view")),
]


def menu_for(user) -> list[dict]:
    return [
        {"url": reverse(name), "label": label, "name": name, "icon": icon}
        for name, label, icon, needs in MENU
        if needs is None or may(user, *needs)
    ]
