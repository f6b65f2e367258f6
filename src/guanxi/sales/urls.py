from django.urls import path

from guanxi.sales import deal_views, views

app_name = "sales"
urlpatterns = [
    path("leads/", views.LeadListView.as_view(), name="leads"),
    path("leads/add/", views.LeadAddView.as_view(), name="lead_add"),
    path("leads/<int:pk>/", views.LeadView.as_view(), name="lead"),
    path("leads/<int:pk>/edit/", views.LeadEditView.as_view(), name="lead_edit"),
    path("leads/<int:pk>/<slug:action>/", views.LeadStepView.as_view(), name="lead_step"),
    path("customers/<int:customer_pk>/leads/add/", views.CustomerLeadAddView.as_view(), name="customer_lead_add"),
    path("leads/<int:lead_pk>/opportunities/add/", deal_views.OpportunityAddView.as_view(),
         name="lead_opportunity_add"),
    path("customers/<int:customer_pk>/opportunities/add/", deal_views.OpportunityAddView.as_view(),
         name="customer_opportunity_add"),
    path("opportunities/", deal_views.OpportunityListView.as_view(), name="opportunities"),
    path("opportunities/<int:pk>/", deal_views.OpportunityView.as_view(), name="opportunity"),
    path("opportunities/<int:pk>/edit/", deal_views.OpportunityEditView.as_view(), name="opportunity_edit"),
    path("opportunities/<int:pk>/<slug:action>/", deal_views.OpportunityStepView.as_view(),
         name="opportunity_step"),
    path("funnel/", deal_views.FunnelView.as_view(), name="funnel"),
    path("league/", deal_views.LeagueView.as_view(), name="league"),
    path("stages/", deal_views.StageProbabilityListView.as_view(), name="stages"),
    path("stages/<int:pk>/edit/", deal_views.StageProbabilityEditView.as_view(), name="stage_edit"),
    path("rules/", views.RuleListView.as_view(), name="rules"),
    path("rules/add/", views.RuleEditView.as_view(), name="rule_add"),
    path("rules/<int:pk>/edit/", views.RuleEditView.as_view(), name="rule_edit"),
    path("rules/<int:pk>/delete/", views.RuleDeleteView.as_view(), name="rule_delete"),
    path("desks/", views.DeskListView.as_view(), name="desks"),
    path("desks/<int:pk>/edit/", views.DeskEditView.as_view(), name="desk_edit"),
    path("enquiry/", views.enquiry, name="enquiry"),
]
