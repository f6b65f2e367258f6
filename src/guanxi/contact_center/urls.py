from django.urls import path

from guanxi.contact_center import views

app_name = "contact_center"
urlpatterns = [
    path("staffing/", views.staffing, name="staffing"),
    path("routing-policy/", views.routing_policy, name="routing_policy"),
]
