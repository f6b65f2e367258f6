from django.urls import path

from guanxi.analytics import dashboards_views, views

app_name = "analytics"
urlpatterns = [
    path("retention/", views.RetentionListView.as_view(), name="retention"),
    path("clusters/", views.ClustersView.as_view(), name="clusters"),
    path("dashboards/", dashboards_views.DashboardListView.as_view(), name="dashboards"),
    path("dashboards/add/", dashboards_views.DashboardEditView.as_view(), name="dashboard_add"),
    path("dashboards/<int:pk>/", dashboards_views.DashboardView.as_view(), name="dashboard"),
    path("dashboards/<int:pk>/edit/", dashboards_views.DashboardEditView.as_view(), name="dashboard_edit"),
    path("dashboards/<int:pk>/delete/", dashboards_views.DashboardDeleteView.as_view(), name="dashboard_delete"),
    path("dashboards/<int:dashboard_pk>/charts/add/", dashboards_views.ChartEditView.as_view(), name="chart_add"),
    path("dashboards/<int:dashboard_pk>/charts/preview/", dashboards_views.ChartPreviewView.as_view(),
         name="chart_preview"),
    path("charts/<int:pk>/edit/", dashboards_views.ChartEditView.as_view(), name="chart_edit"),
    path("charts/<int:pk>/delete/", dashboards_views.ChartDeleteView.as_view(), name="chart_delete"),
]
