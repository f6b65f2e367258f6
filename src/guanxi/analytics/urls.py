from django.urls import path

from guanxi.analytics import views

app_name = "analytics"
urlpatterns = [
    path("retention/", views.RetentionListView.as_view(), name="retention"),
]
