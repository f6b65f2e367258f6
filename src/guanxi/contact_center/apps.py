from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactCenterConfig(AppConfig):
    name = "guanxi.contact_center"
    label = "contact_center"
    verbose_name = _("Contact center")

    def ready(self):
        from guanxi.core.registry import MenuItem, registry

        registry.add_menu_item(
            MenuItem("contact_center:staffing", _("Staffing"), "headset", ("contact_center.staffing", "view"), 50)
        )
