from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "guanxi.service"
    label = "service"
    verbose_name = _("Service")

    def ready(self):
        from auditlog.registry import auditlog

        from guanxi.core.generic import export_spec
        from guanxi.core.registry import EventConsumer, HomeWidget, MenuItem, ProfileCard, registry
        from guanxi.service import cards, consumers, views, workshop_views
        from guanxi.service import models as m

        for model in (m.Ticket, m.SlaTarget, m.SupportHours, m.WorkOrder, m.Job, m.PartLine, m.ServiceContract,
                      m.Part, m.Stock, m.Survey, m.Bay, m.Technician, m.Booking):
            auditlog.register(model)
        registry.add_profile_card(ProfileCard("service", "service/_service_card.html", cards.service_card, None, 25))
        registry.add_home_widget(HomeWidget(
            "tickets", "service/widgets/tickets.html", cards.tickets_widget, ("service.ticket", "change"), 6))
        registry.add_menu_item(MenuItem("service:tickets", _("Tickets"), "ticket", ("service.ticket", "view"), 20))
        registry.add_menu_item(
            MenuItem("service:attainment", _("Service levels"), "chart", ("service.ticket", "view"), 21))
        registry.add_menu_item(
            MenuItem("service:reports", _("Service reports"), "chart", ("service.ticket", "view"), 26))
        registry.add_menu_item(
            MenuItem("service:targets", _("SLA targets"), "share", ("service.slatarget", "view"), 65))
        registry.add_menu_item(
            MenuItem("service:hours", _("Support hours"), "share", ("service.supporthours", "view"), 66))
        registry.add_menu_item(
            MenuItem("service:work_orders", _("Work orders"), "wrench", ("service.workorder", "view"), 22))
        registry.add_menu_item(
            MenuItem("service:contracts", _("Service contracts"), "book", ("service.servicecontract", "view"), 23))
        registry.add_menu_item(MenuItem("service:stock", _("Parts stock"), "wrench", ("service.stock", "view"), 24))
        registry.add_menu_item(
            MenuItem("service:surveys", _("Satisfaction surveys"), "heart", ("service.survey", "view"), 25))
        registry.add_menu_item(
            MenuItem("service:booking_slots", _("Service bookings"), "check", ("service.booking", "view"), 26))
        registry.add_menu_item(
            MenuItem("service:bays", _("Service bays"), "wrench", ("service.bay", "change"), 68))
        registry.add_menu_item(
            MenuItem("service:technicians", _("Technicians"), "users", ("service.technician", "change"), 69))
        registry.add_menu_item(MenuItem("service:parts", _("Parts catalog"), "book", ("service.part", "change"), 67))
        registry.add_export(export_spec(views.TicketListView))
        registry.add_export(export_spec(workshop_views.WorkOrderListView))
        for handler, events in consumers.CONSUMERS.items():
            registry.add_event_consumer(EventConsumer(f"service.{handler.__name__}", events, handler))
