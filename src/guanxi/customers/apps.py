from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "guanxi.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self):
        from auditlog.registry import auditlog

        from guanxi.customers import models as m

        auditlog.register(m.Customer, exclude_fields=["national_id_hash", "updated_at"])
        for model in (m.ContactPoint, m.Consent, m.Vehicle, m.Ownership, m.Interaction):
            auditlog.register(model)
