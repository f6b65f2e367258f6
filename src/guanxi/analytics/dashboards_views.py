"""The dashboard pages: the list, a dashboard with its charts, the dashboard and chart forms with a
live preview (htmx), from the generic views of core. Thin: the figures come from
analytics.dashboards, computed for the viewer over the customers the viewer may see."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import OperationalError
from django.db.models import BooleanField as Boolean
from django.db.models import Count, ExpressionWrapper, Q
from django.shortcuts import render
from django.urls import reverse, reverse_lazy
from django.utils.formats import number_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from guanxi.analytics import dashboards
from guanxi.analytics.dashboards_forms import ChartForm, DashboardForm
from guanxi.analytics.dashboards_stock import ensure_stock_dashboards
from guanxi.analytics.dashboards_tables import DashboardTable
from guanxi.analytics.models import Chart, Dashboard
from guanxi.core.budget import is_over_budget
from guanxi.core.formatting import money
from guanxi.core.generic import ObjectDeleteView, ObjectEditView, ObjectListView, ObjectView
from guanxi.core.scoping import get_restricted


def _stock_first(rows):
    stock = ExpressionWrapper(Q(owner__isnull=True), output_field=Boolean())
    return rows.select_related("owner").annotate(chart_count=Count("charts"), is_stock=stock).order_by(
        "-is_stock", "order", "name", "id")


class DashboardListView(ObjectListView):
    """The stock dashboards, then the user's own and those shared with everyone."""

    model = Dashboard
    table_class = DashboardTable
    title = gettext_lazy("Dashboards")
    add_url_name = "analytics:dashboard_add"
    queryset = staticmethod(_stock_first)

    def visible_rows(self, request):
        ensure_stock_dashboards()
        return super().visible_rows(request)


def figure(value, unit: str, currency: str) -> str:
    """A figure as a table shows it, in the reader's number format."""
    if value is None:
        return "—"
    if unit == dashboards.MONEY:
        return money(value, currency)
    if unit == dashboards.COUNT:
        return number_format(value, force_grouping=True)
    shown = number_format(value, 1, force_grouping=True)
    return {dashboards.PERCENT: f"{shown}%", dashboards.SECONDS: f"{shown} s"}.get(unit, shown)


def shown_chart(user, title: str, measure: str, dimension: str, filters, chart_type: str) -> dict:
    """What a chart card shows: the figures as a table and as the chart's data (json_script), or
    why there are none (a measure the viewer's role may not read, a query over the time budget)."""
    try:
        data = dashboards.chart_data(user, measure, dimension, filters)
    except PermissionDenied:
        return {"title": title, "type": chart_type, "error": _("Your role may not see these figures.")}
    except ValidationError as refused:
        return {"title": title, "type": chart_type, "error": " ".join(refused.messages)}
    except OperationalError as stopped:
        if not is_over_budget(stopped):
            raise
        return {"title": title, "type": chart_type, "error": _(
            "This chart took longer than the %(seconds)g seconds a chart may take: narrow it with a filter."
        ) % {"seconds": dashboards.chart_seconds()}}
    unit, currency = data.measure.unit, data.currency
    return {
        "title": title, "type": chart_type, "data": data, "measure": data.measure.label,
        "dimension": data.dimension.label, "truncated": data.truncated, "limit": dashboards.ROW_LIMIT,
        "table": [(label, figure(value, unit, currency)) for _key, label, value in data.rows],
        "plot": {"type": chart_type, "labels": [str(label) for _key, label, _value in data.rows],
                 "values": [value for _key, _label, value in data.rows], "unit": unit, "currency": currency,
                 "name": str(data.measure.label), "file": slugify(title, allow_unicode=True) or "chart"},
    }


class DashboardView(ObjectView):
    """A dashboard's charts, each computed for the viewer; the owner adds, changes and removes them."""

    model = Dashboard
    template_name = "analytics/dashboard.html"
    edit_url_name = "analytics:dashboard_edit"
    delete_url_name = "analytics:dashboard_delete"

    def context(self, user, obj) -> dict:
        charts = []
        for chart in obj.charts.all():
            card = shown_chart(user, chart.display_title, chart.measure, chart.dimension, chart.filters,
                               chart.chart_type)
            card |= {"chart": chart, "csv_url": reverse("api:analytics_chart_data", args=[chart.pk]) + "?format=csv"}
            charts.append(card)
        return {"charts": charts, "plots": {str(card["chart"].pk): card.get("plot") for card in charts}}


class DashboardEditView(ObjectEditView):
    model = Dashboard
    form_class = DashboardForm

    def save(self, user, form):
        dashboard = form.save(commit=False)
        if dashboard.owner_id is None:
            dashboard.owner = user
        dashboard.save()
        return dashboard


class DashboardDeleteView(ObjectDeleteView):
    model = Dashboard
    success_url = reverse_lazy("analytics:dashboards")


class ChartEditView(ObjectEditView):
    """Adds a chart to a dashboard of the user's (`dashboard_pk`) or changes one, beside a preview that
    follows the form as it changes (ChartPreviewView)."""

    model = Chart
    form_class = ChartForm
    template_name = "analytics/chart_edit.html"

    def check_may_add(self, request) -> None:
        self.dashboard = get_restricted(request.user, Dashboard, self.kwargs["dashboard_pk"], "change")

    def _form(self, request, instance, data=None):
        dashboard = instance.dashboard if instance else self.dashboard
        return self.form_class(data, instance=instance, user=request.user, dashboard=dashboard)

    def _render(self, request, form, instance, version="", status=200):
        dashboard = form.dashboard
        context = {"form": form, "object": instance, "dashboard": dashboard, "preview": preview(request.user, form),
                   "preview_url": reverse("analytics:chart_preview", args=[dashboard.pk])}
        return render(request, self.template_name, context, status=status)


def preview(user, form) -> dict | None:
    """The chart the form would save, as its card shows it; None while the form has errors."""
    if form.is_bound and not form.is_valid():
        return None
    if form.is_bound:
        measure, dimension, filters = (form.definition.measure.key, form.definition.dimension.key,
                                       form.definition.filters)
        title, chart_type = form.cleaned_data["title"], form.cleaned_data["chart_type"]
    else:
        measure, dimension, title, chart_type = (form[name].value() for name in
                                                 ("measure", "dimension", "title", "chart_type"))
        filters = form.instance.filters
    card = shown_chart(user, title or dashboards.describe(measure, dimension), measure, dimension, filters,
                       chart_type)
    return card | {"plots": {"preview": card.get("plot")}}


class ChartPreviewView(LoginRequiredMixin, View):
    """The chart form again as the user changes it (htmx), with the dimensions and filters the chosen
    measure allows and the chart it would draw; saves nothing."""

    def post(self, request, dashboard_pk):
        dashboard = get_restricted(request.user, Dashboard, dashboard_pk, "change")
        form = ChartForm(request.POST, user=request.user, dashboard=dashboard, adjust=True)
        return render(request, "analytics/_chart_form.html", {"form": form, "preview": preview(request.user, form)})


class ChartDeleteView(ObjectDeleteView):
    model = Chart
