from django.urls import path

from guanxi.contact_center import desktop_views, kpi_views, views

app_name = "contact_center"
urlpatterns = [
    path("staffing/", views.staffing, name="staffing"),
    path("routing-policy/", views.routing_policy, name="routing_policy"),
    path("kpis/", kpi_views.contact_center_kpis, name="kpis"),
    path("desktop/", desktop_views.desktop, name="desktop"),
    path("desktop/contacts/", desktop_views.contacts, name="desktop_contacts"),
    path("desktop/contacts/<int:pk>/", desktop_views.contact_card, name="desktop_card"),
    path("desktop/contacts/<int:pk>/<slug:action>/", desktop_views.contact_step, name="desktop_step"),
    path("desktop/state/", desktop_views.set_state, name="desktop_state"),
]
