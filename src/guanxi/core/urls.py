from django.contrib.auth import views as auth_views
from django.urls import path

from guanxi.core import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="core/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("second-factor/", views.second_factor, name="second_factor"),
    path("", views.home, name="home"),
    path("notifications/", views.notifications, name="notifications"),
    path("api-tokens/", views.api_tokens, name="api_tokens"),
    path("exports/new/<slug:key>/", views.export_list, name="export_list"),
    path("exports/<int:pk>/", views.export_status, name="export"),
    path("exports/<int:pk>/download/", views.export_download, name="export_download"),
]
