from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactCenterConfig(AppConfig):
    name = "guanxi.contact_center"
    label = "contact_center"
    verbose_name = _("Contact center")

    def ready(self):
        from guanxi.contact_center import consumers, outbound, voice, widgets
        from guanxi.core.registry import EventConsumer, HomeWidget, MenuItem, registry

        registry.add_menu_item(MenuItem(
            "contact_center:desktop", _("Agent desktop"), "headset", ("contact_center.queuedcontact", "view"), 49,
        ))
        registry.add_menu_item(
            MenuItem("contact_center:staffing", _("Staffing"), "headset", ("contact_center.staffing", "view"), 50)
        )
        registry.add_menu_item(MenuItem(
            "contact_center:routing_policy", _("Routing policy"), "headset",
            ("contact_center.routingpolicyversion", "view"), 51,
        ))
        registry.add_menu_item(MenuItem(
            "contact_center:ivr_menu", _("Voice menu"), "headset", ("contact_center.ivrmenuversion", "view"), 51,
        ))
        registry.add_menu_item(MenuItem(
            "contact_center:call_lists", _("Call lists"), "headset", ("contact_center.calllist", "view"), 49,
        ))
        registry.add_menu_item(MenuItem(
            "contact_center:wallboard", _("Wallboard"), "headset", ("contact_center.wallboard", "view"), 52,
        ))
        registry.add_menu_item(MenuItem(
            "contact_center:kpis", _("Contact-center figures"), "headset", ("contact_center.staffing", "view"), 52,
        ))
        registry.add_home_widget(HomeWidget(
            "my_queue", "contact_center/widgets/my_queue.html", widgets.my_queue_widget,
            ("contact_center.queuedcontact", "view"), 3,
        ))
        registry.add_home_widget(HomeWidget(
            "live_queue", "contact_center/widgets/live_queue.html", widgets.live_queue_widget,
            ("contact_center.staffing", "view"), 4,
        ))
        registry.add_event_consumer(EventConsumer(
            "contact_center.forget_erased", ("customers.customer.erased",), consumers.forget_erased,
        ))
        registry.add_event_consumer(EventConsumer(
            "contact_center.settle_unanswered", (voice.UNANSWERED,), outbound.settle_unanswered,
        ))
