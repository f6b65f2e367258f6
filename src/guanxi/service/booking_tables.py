"""Columns of the booking, bay and technician lists (django-tables2)."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from guanxi.customers.tables import badge
from guanxi.service.models import Bay, Booking, Technician


class BookingTable(tables.Table):
    id = tables.Column(verbose_name="#", linkify=("service:booking", {"pk": tables.A("pk")}))
    starts = tables.DateTimeColumn(format="SHORT_DATETIME_FORMAT")
    customer = tables.Column(orderable=False)
    vehicle = tables.Column(orderable=False)
    job = tables.Column(orderable=False)
    status = tables.Column(orderable=False)
    source = tables.Column(orderable=False)
    bay = tables.Column(orderable=False)
    technician = tables.Column(orderable=False)
    station = tables.Column(orderable=False)

    class Meta:
        model = Booking
        fields = ("id", "starts", "customer", "vehicle", "job", "status", "source", "bay", "technician", "station")
        empty_text = _("No bookings match.")

    def render_id(self, value, record):
        return str(record)

    def render_status(self, value, record):
        return badge("booking", record.status, value)


class BayTable(tables.Table):
    name = tables.Column(linkify=("service:bay_edit", {"pk": tables.A("pk")}))

    class Meta:
        model = Bay
        fields = ("name", "station", "kind", "active")
        empty_text = _("No bays yet.")


class TechnicianTable(tables.Table):
    user = tables.Column(linkify=("service:technician_edit", {"pk": tables.A("pk")}), orderable=False)

    class Meta:
        model = Technician
        fields = ("user", "station", "skills", "shift_starts", "shift_ends", "working_days", "active")
        empty_text = _("No technicians yet.")
