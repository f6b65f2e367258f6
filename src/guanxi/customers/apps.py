from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "guanxi.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self):
        from auditlog.registry import auditlog

        from guanxi.core.generic import export_spec
        from guanxi.core.registry import EventConsumer, HomeWidget, MenuItem, registry
        from guanxi.customers import (
            activities,
            activity_views,
            consumers,
            overview,
            relationships,  # noqa: F401  (its receivers keep relationships in step)
            services,
            views,
        )
        from guanxi.customers import models as m

        auditlog.register(m.Customer, exclude_fields=["national_id_hash", "updated_at", *m.Customer.SEARCH_KEYS])
        for model in (m.ContactPoint, m.Consent, m.Vehicle, m.Ownership, m.Interaction, m.CustomerRelationship,
                      m.Activity):
            auditlog.register(model)

        registry.add_menu_item(MenuItem("customers:my_day", _("My day"), "check", ("customers.activity", "view"), 5))
        registry.add_menu_item(MenuItem("customers:list", _("Customers"), "users", ("customers.customer", "view"), 10))
        registry.add_menu_item(MenuItem("customers:vehicles", _("Vehicles"), "car", ("customers.vehicle", "view"), 20))
        registry.add_menu_item(
            MenuItem("customers:interactions", _("Interactions"), "headset", ("customers.interaction", "view"), 30)
        )
        registry.add_menu_item(
            MenuItem("customers:contact_points", _("Contact points"), "users", ("customers.customer", "view"), 35)
        )
        registry.add_menu_item(
            MenuItem("customers:consents", _("Consents"), "users", ("customers.customer", "view"), 40)
        )
        registry.add_home_widget(HomeWidget(
            "my_day", "customers/widgets/my_day.html", activities.my_day_widget, ("customers.activity", "view"), 5,
        ))
        registry.add_home_widget(HomeWidget(
            "stages", "customers/widgets/stages.html", overview.stage_widget, ("customers.customer", "view"), 10,
        ))
        registry.add_home_widget(HomeWidget(
            "base", "customers/widgets/base.html", overview.base_widget, ("customers.customer", "analyse"), 20,
        ))
        registry.add_home_widget(HomeWidget(
            "warranty", "customers/widgets/warranty.html", overview.warranty_widget, ("customers.vehicle", "change"),
            30,
        ))
        registry.add_event_consumer(EventConsumer(
            "customers.notify_unit_of_new_customer", ("customers.relationship.added",),
            consumers.notify_unit_of_new_customer,
        ))
        registry.add_event_consumer(EventConsumer(
            "customers.notify_administrators_of_id_search_burst", tuple(services.LOOKUP_BURST.values()),
            consumers.notify_administrators_of_lookup_burst,
        ))
        registry.add_event_consumer(EventConsumer(
            "customers.notify_administrators_of_possible_duplicate", (services.POSSIBLE_DUPLICATE,),
            consumers.notify_administrators_of_possible_duplicate,
        ))
        # each list's export is declared by the list page itself (export_key): one definition
        for view in (views.CustomerListView, views.VehicleListView, views.InteractionListView, views.ConsentListView,
                     views.ContactPointListView, activity_views.ActivityListView):
            registry.add_export(export_spec(view))
