from django.urls import path

from guanxi.contact_center import (
    chat_views,
    desktop_views,
    kpi_views,
    message_views,
    outbound_views,
    views,
    wallboard_views,
)

app_name = "contact_center"
urlpatterns = [
    path("staffing/", views.staffing, name="staffing"),
    path("routing-policy/", views.routing_policy, name="routing_policy"),
    path("ivr/", views.ivr_menu, name="ivr_menu"),
    path("kpis/", kpi_views.contact_center_kpis, name="kpis"),
    path("wallboard/", wallboard_views.wallboard_page, name="wallboard"),
    path("wallboard/agents/<int:pk>/skills/", wallboard_views.agent_skills, name="agent_skills"),
    path("desktop/", desktop_views.desktop, name="desktop"),
    path("desktop/contacts/", desktop_views.contacts, name="desktop_contacts"),
    path("desktop/contacts/<int:pk>/", desktop_views.contact_card, name="desktop_card"),
    # before the steps' <slug:action>, which would take "aids", "transfer" and "consult" for steps
    path("desktop/contacts/<int:pk>/aids/", desktop_views.contact_aids, name="desktop_aids"),
    path("desktop/contacts/<int:pk>/transfer/", desktop_views.transfer, name="desktop_transfer"),
    path("desktop/contacts/<int:pk>/consult/", desktop_views.consult, name="desktop_consult"),
    path("desktop/contacts/<int:pk>/new/<slug:kind>/", desktop_views.make_record, name="desktop_record"),
    path("desktop/contacts/<int:pk>/<slug:action>/", desktop_views.contact_step, name="desktop_step"),
    path("desktop/state/", desktop_views.set_state, name="desktop_state"),
    path("desktop/conversations/<int:pk>/", message_views.conversation, name="desktop_conversation"),
    path("call-lists/", outbound_views.call_lists, name="call_lists"),
    path("call-lists/<int:pk>/", outbound_views.call_list, name="call_list"),
    path("call-lists/<int:pk>/work/", outbound_views.call_list_work, name="call_list_work"),
    path("call-lists/<int:pk>/<slug:action>/", outbound_views.call_list_step, name="call_list_step"),
    path("call-lists/entries/<int:pk>/<slug:step>/", outbound_views.entry_step, name="call_list_entry"),
    path("chat/socket/", chat_views.chat_socket, name="chat_socket"),
]
