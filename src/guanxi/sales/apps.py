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
        from guanxi.sales import cards, commerce_views, consumers, deal_views, desks, views
        from guanxi.sales import models as m

        for model in (m.Lead, m.DistributionRule, m.DealerDesk, m.LostReason, m.Opportunity, m.StageProbability,
                      m.Product, m.PriceList, m.Price, m.Quote, m.QuoteLine, m.Order):
            auditlog.register(model)
        post_save.connect(desks.open_desk_for_new_dealer, sender=OrgUnit, dispatch_uid="sales.open_desk")
        registry.add_profile_card(ProfileCard("sales", "sales/_sales_card.html", cards.sales_card, None, 20))
        registry.add_menu_item(MenuItem("sales:leads", _("Leads"), "target", ("sales.lead", "view"), 12))
        registry.add_menu_item(
            MenuItem("sales:opportunities", _("Opportunities"), "deal", ("sales.opportunity", "view"), 13))
        registry.add_menu_item(MenuItem("sales:orders", _("Orders"), "car", ("sales.order", "view"), 16))
        registry.add_menu_item(MenuItem("sales:funnel", _("Funnel"), "funnel", ("sales.opportunity", "view"), 14))
        registry.add_menu_item(MenuItem("sales:league", _("Dealer league"), "chart", ("sales.lead", "assign"), 15))
        registry.add_menu_item(MenuItem("sales:targets", _("Sales targets"), "chart", ("sales.salestarget", "change"),
                                        62))
        registry.add_menu_item(MenuItem("sales:products", _("Products"), "car", ("sales.product", "change"), 63))
        registry.add_menu_item(MenuItem("sales:price_lists", _("Price lists"), "book", ("sales.product", "change"), 64))
        registry.add_menu_item(
            MenuItem("sales:stages", _("Stage probabilities"), "share", ("sales.stageprobability", "change"), 62))
        registry.add_menu_item(
            MenuItem("sales:rules", _("Lead distribution"), "share", ("sales.distributionrule", "view"), 60))
        registry.add_menu_item(
            MenuItem("sales:reasons", _("Lost reasons"), "share", ("sales.lostreason", "change"), 59))
        registry.add_menu_item(MenuItem("sales:desks", _("Dealer desks"), "share", ("sales.dealerdesk", "view"), 61))
        registry.add_export(export_spec(views.LeadListView))
        registry.add_export(export_spec(deal_views.OpportunityListView))
        registry.add_export(export_spec(commerce_views.OrderListView))
        registry.add_event_consumer(EventConsumer(
            "sales.notify_dealer_of_lead", ("sales.lead.assigned",), consumers.notify_dealer_of_lead))
        registry.add_event_consumer(EventConsumer(
            "sales.notify_head_office_of_escalation", ("sales.lead.escalated",),
            consumers.notify_head_office_of_escalation))
        registry.add_event_consumer(EventConsumer(
            "sales.notify_approvers_of_discount", ("sales.quote.created", "sales.quote.changed"),
            consumers.notify_approvers_of_discount))
