"""Navigation by role: each entry (registered by its app) names the permission it needs, so the
menu never shows a dead end."""

from django.urls import reverse

from guanxi.core.registry import registry
from guanxi.core.scoping import may


def allowed(user, needs) -> bool:
    return needs is None or may(user, *needs)


def menu_for(user) -> list[dict]:
    return [
        {"url": reverse(item.url_name), "label": item.label, "name": item.url_name, "icon": item.icon}
        for item in registry.menu
        if allowed(user, item.needs)
    ]
