from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "guanxi.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self):
        from auditlog.registry import auditlog
        from django.db.models.signals import post_save

        from guanxi.core.generic import export_spec
        from guanxi.core.models import OrgUnit
        from guanxi.core.registry import EventConsumer, MenuItem, ProfileCard, registry
        from guanxi.sales import cards, consumers, desks, views
        from guanxi.sales import models as m

        for model in (m.Lead, m.DistributionRule, m.DealerDesk, m.LostReason):
            auditlog.register(model)
        post_save.connect(desks.open_desk_for_new_dealer, sender=OrgUnit, dispatch_uid="sales.open_desk")
        registry.add_profile_card(ProfileCard("leads", "sales/_leads_card.html", cards.leads_card, None, 20))
        registry.add_menu_item(MenuItem("sales:leads", _("Leads"), "target", ("sales.lead", "view"), 12))
        registry.add_menu_item(
            MenuItem("sales:rules", _("Lead distribution"), "share", ("sales.distributionrule", "view"), 60))
        registry.add_menu_item(MenuItem("sales:desks", _("Dealer desks"), "share", ("sales.dealerdesk", "view"), 61))
        registry.add_export(export_spec(views.LeadListView))
        registry.add_event_consumer(EventConsumer(
            "sales.notify_dealer_of_lead", ("sales.lead.assigned",), consumers.notify_dealer_of_lead))
        registry.add_event_consumer(EventConsumer(
            "sales.notify_head_office_of_escalation", ("sales.lead.escalated",),
            consumers.notify_head_office_of_escalation))
