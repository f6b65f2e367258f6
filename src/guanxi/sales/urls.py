from django.urls import path

from guanxi.sales import views

app_name = "sales"
urlpatterns = [
    path("leads/", views.LeadListView.as_view(), name="leads"),
    path("leads/add/", views.LeadAddView.as_view(), name="lead_add"),
    path("leads/<int:pk>/", views.LeadView.as_view(), name="lead"),
    path("leads/<int:pk>/edit/", views.LeadEditView.as_view(), name="lead_edit"),
    path("leads/<int:pk>/<slug:action>/", views.LeadActionView.as_view(), name="lead_action"),
    path("customers/<int:customer_pk>/leads/add/", views.CustomerLeadAddView.as_view(), name="customer_lead_add"),
    path("rules/", views.RuleListView.as_view(), name="rules"),
    path("rules/add/", views.RuleEditView.as_view(), name="rule_add"),
    path("rules/<int:pk>/edit/", views.RuleEditView.as_view(), name="rule_edit"),
    path("rules/<int:pk>/delete/", views.RuleDeleteView.as_view(), name="rule_delete"),
    path("desks/", views.DeskListView.as_view(), name="desks"),
    path("desks/<int:pk>/edit/", views.DeskEditView.as_view(), name="desk_edit"),
    path("enquiry/", views.enquiry, name="enquiry"),
]
