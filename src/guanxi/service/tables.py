"""Columns of the ticket lists (django-tables2); the same columns go into the exports."""

import django_tables2 as tables
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from guanxi.core.formatting import money
from guanxi.customers.tables import badge
from guanxi.service.models import (
    RUNNING_STATUSES,
    Part,
    ServiceContract,
    SlaTarget,
    Stock,
    SupportHours,
    Survey,
    Ticket,
    WorkOrder,
)


class TicketTable(tables.Table):
    id = tables.Column(verbose_name="#", linkify=("service:ticket", {"pk": tables.A("pk")}))
    subject = tables.Column(linkify=("service:ticket", {"pk": tables.A("pk")}), orderable=False)
    customer = tables.Column(orderable=False)
    kind = tables.Column(orderable=False)
    priority = tables.Column(orderable=False)
    org_unit = tables.Column(orderable=False)
    status = tables.Column(orderable=False)
    resolution_due = tables.Column(orderable=False, verbose_name=_("resolution due"))

    class Meta:
        model = Ticket
        fields = ("id", "subject", "customer", "kind", "priority", "status", "resolution_due", "org_unit")
        empty_text = _("No tickets match.")

    def render_priority(self, value, record):
        return badge("priority", record.priority, value)

    def value_priority(self, value, record):
        return record.get_priority_display()

    def render_status(self, value, record):
        return badge("ticket", record.status, value)

    def value_status(self, value, record):
        return record.get_status_display()

    def render_resolution_due(self, value, record):
        shown = date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
        if record.status in RUNNING_STATUSES and (record.resolution_breached_at or value < timezone.now()):
            return format_html('<span class="overdue">{}</span>', shown)
        return shown

    def value_resolution_due(self, value, record):
        return timezone.localtime(value).isoformat() if value else ""


class SlaTargetTable(tables.Table):
    kind = tables.Column(linkify=("service:target_edit", {"pk": tables.A("pk")}), orderable=False)

    class Meta:
        model = SlaTarget
        fields = ("kind", "tier", "first_response_minutes", "resolution_minutes", "around_the_clock")
        orderable = False


class SupportHoursTable(tables.Table):
    org_unit = tables.Column(linkify=("service:hours_edit", {"pk": tables.A("pk")}))

    class Meta:
        model = SupportHours
        fields = ("org_unit", "opens", "closes", "working_days", "observes_public_holidays")
        orderable = False


class WorkOrderTable(tables.Table):
    id = tables.Column(verbose_name="#", linkify=("service:work_order", {"pk": tables.A("pk")}))
    created_at = tables.DateTimeColumn(format="SHORT_DATETIME_FORMAT", verbose_name=_("opened"))
    vehicle = tables.Column(orderable=False)
    customer = tables.Column(orderable=False)
    kind = tables.Column(orderable=False)
    status = tables.Column(orderable=False)
    billing = tables.Column(orderable=False)
    customer_pays = tables.Column(orderable=False)
    station = tables.Column(orderable=False)

    class Meta:
        model = WorkOrder
        fields = ("id", "created_at", "vehicle", "customer", "kind", "status", "billing", "customer_pays", "station")
        empty_text = _("No work orders match.")

    def render_id(self, value, record):
        return str(record)

    def render_status(self, value, record):
        return badge("work", record.status, value)

    def value_status(self, value, record):
        return record.get_status_display()

    def render_customer_pays(self, value, record):
        return money(value, record.currency)


class ContractTable(tables.Table):
    number = tables.Column(linkify=("service:contract", {"pk": tables.A("pk")}))

    class Meta:
        model = ServiceContract
        fields = ("number", "kind", "customer", "vehicle", "starts", "ends", "max_km", "visits", "visits_used",
                  "sold_by")
        orderable = False
        empty_text = _("No service contracts match.")


class PartTable(tables.Table):
    code = tables.Column(linkify=("service:part_edit", {"pk": tables.A("pk")}))

    class Meta:
        model = Part
        fields = ("code", "name", "name_en", "price", "unit", "active")
        orderable = False


class StockTable(tables.Table):
    part = tables.Column(linkify=("service:stock_item", {"pk": tables.A("pk")}), orderable=False)
    free = tables.Column(verbose_name=_("free"), empty_values=(), orderable=False)

    class Meta:
        model = Stock
        fields = ("station", "part", "on_hand", "reserved", "free", "reorder_level")
        orderable = False
        empty_text = _("No stock matches.")

    def render_free(self, value, record):
        if record.reorder_level and record.free <= record.reorder_level:
            return format_html('<span class="overdue">{}</span>', record.free)
        return record.free

    def value_free(self, value, record):
        return record.free


class SurveyTable(tables.Table):
    id = tables.Column(verbose_name="#", linkify=("service:survey", {"pk": tables.A("pk")}))
    created_at = tables.DateTimeColumn(format="SHORT_DATETIME_FORMAT", verbose_name=_("created"))

    class Meta:
        model = Survey
        fields = ("id", "created_at", "customer", "station", "state", "csat", "nps", "answered_at")
        orderable = False
        empty_text = _("No surveys match.")
