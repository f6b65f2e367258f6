from django.urls import path

from guanxi.customers import views

app_name = "customers"
urlpatterns = [
    path("", views.CustomerListView.as_view(), name="list"),
    path("vehicles/", views.VehicleListView.as_view(), name="vehicles"),
    path("vehicles/<int:pk>/", views.VehicleView.as_view(), name="vehicle"),
    path("vehicles/<int:pk>/edit/", views.VehicleEditView.as_view(), name="vehicle_edit"),
    path("vehicles/<int:pk>/delete/", views.VehicleDeleteView.as_view(), name="vehicle_delete"),
    path("vehicles/edit/", views.VehicleBulkEditView.as_view(), name="vehicle_bulk_edit"),
    path("search/", views.search, name="search"),
    path("interactions/", views.InteractionListView.as_view(), name="interactions"),
    path("interactions/edit/", views.InteractionBulkEditView.as_view(), name="interaction_bulk_edit"),
    path("interactions/<int:pk>/", views.InteractionView.as_view(), name="interaction"),
    path("interactions/<int:pk>/edit/", views.InteractionLogView.as_view(), name="interaction_edit"),
    path("interactions/<int:pk>/delete/", views.InteractionDeleteView.as_view(), name="interaction_delete"),
    path("consents/", views.ConsentListView.as_view(), name="consents"),
    path("consents/edit/", views.ConsentBulkEditView.as_view(), name="consent_bulk_edit"),
    path("consents/<int:pk>/", views.ConsentView.as_view(), name="consent"),
    path("consents/<int:pk>/edit/", views.ConsentEditView.as_view(), name="consent_edit"),
    path("contact-points/", views.ContactPointListView.as_view(), name="contact_points"),
    path("contact-points/edit/", views.ContactPointBulkEditView.as_view(), name="contact_bulk_edit"),
    path("contact-points/<int:pk>/", views.ContactPointView.as_view(), name="contact"),
    path("new/", views.CustomerEditView.as_view(), name="add"),
    path("edit/", views.CustomerBulkEditView.as_view(), name="bulk_edit"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.CustomerEditView.as_view(), name="edit"),
    path("<int:pk>/delete/", views.CustomerDeleteView.as_view(), name="delete"),
    path("<int:customer_pk>/contact-points/new/", views.ContactPointEditView.as_view(), name="contact_add"),
    path("contact-points/<int:pk>/edit/", views.ContactPointEditView.as_view(), name="contact_edit"),
    path("contact-points/<int:pk>/delete/", views.ContactPointDeleteView.as_view(), name="contact_delete"),
    path("<int:customer_pk>/consents/new/", views.ConsentRecordView.as_view(), name="consent_add"),
    path("<int:customer_pk>/vehicles/new/", views.VehicleRegisterView.as_view(), name="vehicle_add"),
    path("<int:customer_pk>/interactions/new/", views.InteractionLogView.as_view(), name="interaction_add"),
]
