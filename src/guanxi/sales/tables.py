"""Columns of the lead and rule lists (django-tables2); the same columns go into the exports."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from guanxi.core.formatting import money
from guanxi.customers.models import default_currency
from guanxi.customers.tables import badge
from guanxi.sales.models import (
    TIMEFRAME_SHORT,
    DealerDesk,
    DistributionRule,
    Lead,
    LostReason,
    Opportunity,
    Order,
    PriceList,
    Product,
    SalesTarget,
    StageProbability,
)


class LeadTable(tables.Table):
    created_at = tables.DateTimeColumn(format="SHORT_DATETIME_FORMAT", verbose_name=_("created"))
    customer = tables.Column(linkify=("sales:lead", {"pk": tables.A("pk")}), orderable=False)
    model = tables.Column(orderable=False)
    timeframe = tables.Column(orderable=False)
    source = tables.Column(orderable=False)
    dealer = tables.Column(orderable=False)
    status = tables.Column(orderable=False)
    accept_by = tables.DateTimeColumn(format="SHORT_DATETIME_FORMAT", orderable=False)

    class Meta:
        model = Lead
        fields = ("created_at", "customer", "model", "timeframe", "source", "dealer", "status", "accept_by")
        empty_text = _("No leads match.")

    def render_timeframe(self, value, record):
        return badge("timeframe", record.timeframe, TIMEFRAME_SHORT.get(record.timeframe, value))

    def value_timeframe(self, value, record):
        return record.get_timeframe_display()

    def render_status(self, value, record):
        return badge("lead", record.status, value)

    def value_status(self, value, record):
        return record.get_status_display()


class DistributionRuleTable(tables.Table):
    priority = tables.Column()
    where = tables.Column(accessor="pk", verbose_name=_("leads from"), orderable=False,
                          linkify=("sales:rule_edit", {"pk": tables.A("pk")}))
    model = tables.Column(orderable=False)
    timeframe = tables.Column(orderable=False)
    dealer = tables.Column(orderable=False)
    active = tables.BooleanColumn(orderable=False)

    class Meta:
        model = DistributionRule
        fields = ("priority", "where", "model", "timeframe", "dealer", "active")
        empty_text = _("No distribution rules yet: leads wait for head office to hand them over.")

    def render_where(self, record):
        return " · ".join(part for part in (record.province, record.city) if part) or _("anywhere")


class LostReasonTable(tables.Table):
    name = tables.Column(linkify=("sales:reason_edit", {"pk": tables.A("pk")}))
    name_en = tables.Column()
    code = tables.Column()
    active = tables.BooleanColumn()

    class Meta:
        model = LostReason
        fields = ("name", "name_en", "code", "active")
        empty_text = _("No lost reasons yet: a lead cannot be reported lost until head office adds one.")


class DealerDeskTable(tables.Table):
    dealer = tables.Column(linkify=("sales:desk_edit", {"pk": tables.A("pk")}), orderable=False)
    accepts_leads = tables.BooleanColumn(orderable=False)
    capacity = tables.Column(orderable=False)
    hours = tables.Column(accessor="pk", verbose_name=_("hours"), orderable=False)
    assigned = tables.Column()
    performance = tables.Column(accessor="pk", verbose_name=_("service levels met"), orderable=False)
    last_assigned_at = tables.DateTimeColumn(format="SHORT_DATETIME_FORMAT")

    class Meta:
        model = DealerDesk
        fields = ("dealer", "accepts_leads", "capacity", "hours", "assigned", "performance", "last_assigned_at")
        empty_text = _("No dealer desks.")

    def render_hours(self, record):
        return f"{record.opens_at:%H:%M}–{record.closes_at:%H:%M} · {record.working_days}"

    def render_performance(self, record):
        return "—" if record.performance is None else f"{round(record.performance * 100)}%"



class OpportunityTable(tables.Table):
    name = tables.Column(linkify=("sales:opportunity", {"pk": tables.A("pk")}), orderable=False)
    customer = tables.Column(orderable=False)
    dealer = tables.Column(orderable=False)
    stage = tables.Column(orderable=False)
    amount = tables.Column()
    expected_close = tables.DateColumn(format="SHORT_DATE_FORMAT")
    owner = tables.Column(orderable=False)

    class Meta:
        model = Opportunity
        fields = ("name", "customer", "dealer", "stage", "amount", "expected_close", "owner")
        empty_text = _("No opportunities match.")

    def render_stage(self, value, record):
        return badge("deal", record.stage, value)

    def value_stage(self, value, record):
        return record.get_stage_display()

    def render_amount(self, value, record):
        return money(value, record.currency)

    def value_amount(self, value):
        return value


class StageProbabilityTable(tables.Table):
    stage = tables.Column(linkify=("sales:stage_edit", {"pk": tables.A("pk")}), orderable=False)
    probability = tables.Column(orderable=False)

    class Meta:
        model = StageProbability
        fields = ("stage", "probability")

    def render_probability(self, value):
        return f"{value}%"


class ProductTable(tables.Table):
    code = tables.Column(linkify=("sales:product_edit", {"pk": tables.A("pk")}))
    name = tables.Column(orderable=False)
    kind = tables.Column(orderable=False)
    model = tables.Column(orderable=False)
    active = tables.BooleanColumn(orderable=False)

    class Meta:
        model = Product
        fields = ("code", "name", "kind", "model", "active")
        empty_text = _("No products yet.")


class PriceListTable(tables.Table):
    name = tables.Column(linkify=("sales:price_list", {"pk": tables.A("pk")}), orderable=False)
    valid_from = tables.DateColumn(format="SHORT_DATE_FORMAT")
    valid_until = tables.DateColumn(format="SHORT_DATE_FORMAT", orderable=False)
    currency = tables.Column(orderable=False)

    class Meta:
        model = PriceList
        fields = ("name", "valid_from", "valid_until", "currency")
        empty_text = _("No price lists yet: quotes need one valid today.")


class OrderTable(tables.Table):
    number = tables.Column(accessor="pk", verbose_name=_("order"), linkify=("sales:order", {"pk": tables.A("pk")}))
    customer = tables.Column(accessor="opportunity__customer", verbose_name=_("customer"), orderable=False)
    dealer = tables.Column(accessor="opportunity__dealer", verbose_name=_("dealer"), orderable=False)
    model = tables.Column(orderable=False)
    amount = tables.Column()
    state = tables.Column(orderable=False)
    vin = tables.Column(orderable=False)

    class Meta:
        model = Order
        fields = ("number", "customer", "dealer", "model", "amount", "state", "vin")
        empty_text = _("No orders match.")

    def render_number(self, record):
        return str(record)

    def value_number(self, record):
        return str(record)

    def render_amount(self, value, record):
        return money(value, record.currency)

    def value_amount(self, value):
        return value


class SalesTargetTable(tables.Table):
    region = tables.Column(linkify=("sales:target_edit", {"pk": tables.A("pk")}), orderable=False)
    month = tables.DateColumn(format="Y-m")
    amount = tables.Column()

    class Meta:
        model = SalesTarget
        fields = ("region", "month", "amount")
        empty_text = _("No targets yet.")

    def render_amount(self, value):
        return money(value, default_currency())
