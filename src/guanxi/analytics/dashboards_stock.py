"""The dashboards Guanxi comes with: customer value, churn, the sales funnel, service and the
contact center, from the catalogue (analytics.dashboards) and the apps' own figures.

They are made on the first visit to the dashboards, not by a data migration: their definitions
live here beside the catalogue they name, so a release that adds or changes a stock chart brings
every database in line at the next visit (a fresh one, a test database, one whose rows were
flushed) without a migration repeating them. They belong to no one, everyone who may see
dashboards sees them, nobody changes them; chart ids stay as they are unless a chart is removed.
Names and titles are stored in English and shown in the reader's language (marked below for
translation).
"""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_noop

from guanxi.analytics.models import Chart, ChartType, Dashboard

BAR, LINE, PIE, TABLE = ChartType.BAR, ChartType.LINE, ChartType.PIE, ChartType.TABLE
SCORED = {"churn": ["high", "medium", "low"]}

# key, name, charts: (title, measure, dimension, filters, chart type)
STOCK = (
    ("customer_value", gettext_noop("Customer value"), (
        (gettext_noop("Value pyramid"), "customers", "pyramid", {"pyramid": ["vip", "a", "b", "c"]}, BAR),
        (gettext_noop("RFM segments"), "customers", "rfm", {"rfm": ["champions", "loyal", "new", "needs_attention",
                                                                    "cannot_lose", "at_risk", "hibernating", "lost"]},
         PIE),
        (gettext_noop("Lifetime value by tier"), "average_clv", "tier", {}, BAR),
        (gettext_noop("Profit by value level"), "profit", "pyramid", {}, TABLE),
    )),
    ("churn", gettext_noop("Churn"), (
        (gettext_noop("Owners by churn risk"), "customers", "churn", SCORED, PIE),
        (gettext_noop("Churn risk by RFM segment"), "churn_risk", "rfm", {}, BAR),
        (gettext_noop("Owners at risk by dealer"), "at_risk_share", "dealer", {}, BAR),
        (gettext_noop("Churn risk by region"), "churn_risk", "region", {}, TABLE),
    )),
    ("sales", gettext_noop("Sales funnel"), (
        (gettext_noop("Deals by stage"), "deals", "deal_stage", {}, BAR),
        (gettext_noop("Weighted amount by stage"), "weighted_amount", "deal_stage", {}, TABLE),
        (gettext_noop("Car sales revenue by month"), "sales_revenue", "month", {}, LINE),
        (gettext_noop("Customers by lifecycle stage"), "customers", "stage", {}, BAR),
    )),
    ("service", gettext_noop("Service"), (
        (gettext_noop("Service revenue by month"), "service_revenue", "month", {}, LINE),
        (gettext_noop("First response in time by ticket type"), "response_in_time", "ticket_kind", {}, BAR),
        (gettext_noop("Resolved in time by unit"), "resolution_in_time", "service_unit", {}, TABLE),
        (gettext_noop("Satisfaction by service station"), "csat", "station", {}, BAR),
    )),
    ("contact_center", gettext_noop("Contact center"), (
        (gettext_noop("Contacts offered by channel, last 7 days"), "offered", "contact_channel", {}, PIE),
        (gettext_noop("Service level by queue, last 7 days"), "service_level", "queue", {}, BAR),
        (gettext_noop("Abandonment by channel, last 7 days"), "abandonment", "contact_channel", {}, TABLE),
        (gettext_noop("Timeline contacts by channel"), "contacts", "channel", {}, BAR),
    )),
)
FIELDS = ("title", "measure", "dimension", "filters", "chart_type")


def ensure_stock_dashboards() -> None:
    """Makes the stock dashboards that are missing and brings the others' charts in line with STOCK;
    reads one query when nothing changed. Two first visits at once make each dashboard once."""
    existing = {dashboard.stock: dashboard for dashboard in
                Dashboard.objects.filter(owner=None).exclude(stock="").prefetch_related("charts")}
    for order, (key, name, charts) in enumerate(STOCK):
        dashboard = existing.get(key)
        wanted = [dict(zip(FIELDS, chart)) for chart in charts]
        if dashboard and (dashboard.name, dashboard.order) == (name, order) and \
                [{field: getattr(chart, field) for field in FIELDS} for chart in dashboard.charts.all()] == wanted:
            continue
        try:
            with transaction.atomic():
                _write(dashboard, key, name, order, wanted)
        except IntegrityError:
            continue  # another request made it a moment ago


def _write(dashboard, key: str, name: str, order: int, wanted: list[dict]) -> None:
    if dashboard is None:
        dashboard = Dashboard.objects.create(stock=key, name=name, order=order, shared=True)
    else:
        Dashboard.objects.filter(pk=dashboard.pk).update(name=name, order=order)
    for position, chart in enumerate(wanted):
        Chart.objects.update_or_create(dashboard=dashboard, position=position, defaults=chart)
    Chart.objects.filter(dashboard=dashboard, position__gte=len(wanted)).delete()
