from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "guanxi.analytics"
    label = "analytics"
    verbose_name = _("Analytics")

    def ready(self):
        from guanxi.analytics import cards, consumers, views
        from guanxi.core.generic import export_spec
        from guanxi.core.registry import EventConsumer, MenuItem, ProfileCard, registry

        registry.add_profile_card(ProfileCard("scores", "analytics/_scores_card.html", cards.scores_card, None, 10))
        registry.add_menu_item(
            MenuItem("analytics:dashboards", _("Dashboards"), "chart", ("analytics.dashboard", "view"), 44)
        )
        registry.add_menu_item(
            MenuItem("analytics:retention", _("Retention list"), "heart", ("analytics.score", "view"), 45)
        )
        registry.add_menu_item(
            MenuItem("analytics:clusters", _("Customer clusters"), "chart", ("analytics.score", "view"), 46)
        )
        registry.add_export(export_spec(views.RetentionListView))
        registry.add_event_consumer(EventConsumer(
            "analytics.forget_erased", ("customers.customer.erased", "customers.customer.profiling_refused"),
            consumers.forget_scores,
        ))
