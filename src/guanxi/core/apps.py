from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "guanxi.core"
    label = "core"
    verbose_name = _("Organisation")

    def ready(self):
        from guanxi.core import budget, calendar, signin  # noqa: F401  (their signal receivers)
        from guanxi.core.registry import MenuItem, registry

        registry.add_menu_item(MenuItem("home", _("Home"), "home", None, order=0))
