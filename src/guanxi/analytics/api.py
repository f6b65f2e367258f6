"""The analytics API: dashboards and their charts (core.api_crud declarations), the catalogue
charts are built from, and a chart's figures as JSON or, with `?format=csv`, as the CSV the
dashboard page downloads. Figures are computed for the caller over the customers the caller may
see; a name outside the catalogue is a 422 naming the field, before anything runs."""

import io
from typing import Literal
from urllib.parse import quote

import django_filters
from django.http import HttpResponse
from django.utils.text import slugify
from ninja import Field, Router, Schema

from guanxi.analytics import dashboards
from guanxi.analytics.dashboards_stock import ensure_stock_dashboards
from guanxi.analytics.models import Chart, ChartType, Dashboard
from guanxi.core.api_crud import ModelApi
from guanxi.core.scoping import get_restricted, require

router = Router(tags=["analytics"])


class DashboardOut(Schema):
    id: int
    name: str = Field(description="A stock dashboard's in the caller's language.")
    shared: bool
    order: int
    stock: str = Field(description="The key of a stock dashboard (which nobody changes); empty for others.")
    owner_id: int | None

    @staticmethod
    def resolve_name(obj):
        return obj.display_name


class DashboardIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    shared: bool = Field(False, description="Everyone who may see dashboards sees it, with their own figures.")
    order: int = Field(0, ge=0, le=32767)


class ChartOut(Schema):
    id: int
    dashboard_id: int
    title: str
    measure: str
    dimension: str
    filters: dict
    chart_type: str
    position: int

    @staticmethod
    def resolve_title(obj):
        return obj.display_title


class ChartIn(Schema):
    title: str = Field("", max_length=120, description="Empty: the chart is named by its measure and dimension.")
    measure: str = Field(max_length=40, description="A measure key of GET /analytics/catalogue.")
    dimension: str = Field(max_length=40, description="One of the measure's dimensions in the catalogue.")
    filters: dict[str, list[str | int] | str | int] = Field(
        {}, description='Dimension keys with the values to keep: {"tier": ["vip", "gold"], "dealer": [12]}.')
    chart_type: ChartType = ChartType.BAR
    position: int | None = Field(None, ge=0, le=32767, description="Empty: after the dashboard's last chart.")


class DashboardFilterSet(django_filters.FilterSet):
    class Meta:
        model = Dashboard
        fields = ["shared"]


def _with_stock(rows, user):
    """The stock dashboards are made on the first visit, by the API as by the pages."""
    ensure_stock_dashboards()
    return rows


class DashboardApi(ModelApi):
    model = Dashboard
    path = "dashboards"
    schema = DashboardOut
    tags = ["analytics"]
    filterset_class = DashboardFilterSet
    queryset = staticmethod(_with_stock)
    create_schema = DashboardIn

    def create(self, user, data, parent_pk):
        """A dashboard of your own."""
        return dashboards.create_dashboard(user, data)


class ChartApi(ModelApi):
    model = Chart
    path = "charts"
    schema = ChartOut
    tags = ["analytics"]
    parent_model = Dashboard
    parent_path = "dashboards"
    parent_field = "dashboard"
    create_schema = ChartIn
    queryset = staticmethod(lambda rows, user: rows.select_related("dashboard"))  # a titled chart reads its dashboard

    def create(self, user, data, parent_pk):
        """Adds a chart to one of your dashboards: a measure, what it is split by, filters, a chart type."""
        return dashboards.add_chart(user, parent_pk, data)


DashboardApi().register(router)
ChartApi().register(router)


class DimensionOut(Schema):
    key: str
    label: str
    values: list[str] | None = Field(description="The values a filter may keep; none listed: open values "
                                                 "(months as 2026-03, org unit ids, cities, car models).")


class MeasureOut(Schema):
    key: str
    label: str
    section: str
    unit: Literal["count", "money", "percent", "number", "seconds"]
    dimensions: list[str] = Field(description="What it can be split by; a measure taken from another app's "
                                              "figures cannot be filtered.")
    filters: bool


class CatalogueOut(Schema):
    measures: list[MeasureOut]
    dimensions: list[DimensionOut]


@router.get("/catalogue", response=CatalogueOut)
def catalogue(request):
    """The measures you may read and the dimensions charts are split and filtered by."""
    require(request.user, Dashboard.permission_key, "view")
    return {
        "measures": [{"key": measure.key, "label": str(measure.label), "section": str(measure.section),
                      "unit": measure.unit,
                      "dimensions": [split.key for split in measure.dimensions() if split.readable_by(request.user)],
                      "filters": measure.provider is None} for measure in dashboards.readable_measures(request.user)],
        "dimensions": [{"key": dimension.key, "label": str(dimension.label),
                        "values": list(dimension.choices) if dimension.choices is not None else None}
                       for dimension in dashboards.DIMENSIONS.values()],
    }


class RowOut(Schema):
    key: str | int | None
    label: str
    value: float | None


class ChartDataOut(Schema):
    measure: str
    dimension: str
    unit: str
    currency: str
    truncated: bool = Field(description=f"More than {dashboards.ROW_LIMIT} groups: the first ones are given.")
    rows: list[RowOut]


CSV = {"responses": {200: {"content": {"text/csv": {"schema": {"type": "string"}}}}}}


@router.get("/charts/{chart_id}/data", response=ChartDataOut, url_name="analytics_chart_data", openapi_extra=CSV)
def chart_figures(request, chart_id: int, format: Literal["json", "csv"] = "json"):
    """A chart's figures over the customers you may see; `?format=csv` downloads them. 403 where your
    role may not read the chart's measure; 503 when the query takes longer than a chart may."""
    chart = get_restricted(request.user, Chart.objects.select_related("dashboard"), chart_id)
    data = dashboards.chart_data(request.user, chart.measure, chart.dimension, chart.filters)
    if format == "csv":
        text = io.StringIO()
        dashboards.write_csv(data, text)
        response = HttpResponse("\ufeff" + text.getvalue(), content_type="text/csv; charset=utf-8")
        name = slugify(chart.display_title, allow_unicode=True) or "chart"
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}.csv"
        return response
    return {"measure": data.measure.key, "dimension": data.dimension.key, "unit": data.measure.unit,
            "currency": data.currency, "truncated": data.truncated,
            "rows": [{"key": key, "label": str(label), "value": value} for key, label, value in data.rows]}
