from django.urls import path

from guanxi.customers import views

app_name = "customers"
urlpatterns = [
    path("", views.CustomerListView.as_view(), name="list"),
    path("vehicles/", views.VehicleListView.as_view(), name="vehicles"),
    path("search/", views.search, name="search"),
    path("<int:pk>/", views.customer_detail, name="detail"),
]
