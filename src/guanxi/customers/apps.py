from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "guanxi.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self):
        from auditlog.registry import auditlog

        from guanxi.core.registry import EventConsumer, ExportSpec, HomeWidget, MenuItem, registry
        from guanxi.customers import (
            consumers,
            filtersets,
            overview,
            relationships,  # noqa: F401  (its receivers keep relationships in step)
            tables,
        )
        from guanxi.customers import models as m

        auditlog.register(m.Customer, exclude_fields=["national_id_hash", "updated_at"])
        for model in (m.ContactPoint, m.Consent, m.Vehicle, m.Ownership, m.Interaction, m.CustomerRelationship):
            auditlog.register(model)

        registry.add_menu_item(MenuItem("customers:list", _("Customers"), "users", ("customers.customer", "view"), 10))
        registry.add_menu_item(MenuItem("customers:vehicles", _("Vehicles"), "car", ("customers.vehicle", "view"), 20))
        registry.add_menu_item(
            MenuItem("customers:interactions", _("Interactions"), "headset", ("customers.interaction", "view"), 30)
        )
        registry.add_menu_item(
            MenuItem("customers:consents", _("Consents"), "users", ("customers.customer", "view"), 40)
        )
        registry.add_home_widget(HomeWidget(
            "stages", "customers/widgets/stages.html", overview.stage_widget, ("customers.customer", "view"), 10,
        ))
        registry.add_event_consumer(EventConsumer(
            "customers.notify_unit_of_new_customer", ("customers.relationship.added",),
            consumers.notify_unit_of_new_customer,
        ))
        registry.add_export(ExportSpec(
            "customers", m.Customer, filtersets.CustomerFilterSet, tables.CustomerTable,
            lambda rows: rows.select_related("home_dealer"), _("Customers"),
        ))
        registry.add_export(ExportSpec(
            "vehicles", m.Vehicle, filtersets.VehicleFilterSet, tables.VehicleTable,
            lambda rows: rows.select_related("selling_dealer"), _("Vehicles"),
        ))
        registry.add_export(ExportSpec(
            "interactions", m.Interaction, filtersets.InteractionFilterSet, tables.InteractionTable,
            lambda rows: rows.select_related("customer", "org_unit", "user"), _("Interactions"),
        ))
        registry.add_export(ExportSpec(
            "consents", m.Consent, filtersets.ConsentFilterSet, tables.ConsentTable,
            lambda rows: rows.select_related("customer"), _("Consents"),
        ))
