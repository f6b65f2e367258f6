from django.urls import path

from guanxi.customers import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("vehicles/", views.vehicle_list, name="vehicles"),
    path("<int:pk>/", views.customer_detail, name="detail"),
]
