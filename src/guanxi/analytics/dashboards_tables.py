"""The dashboards list's columns (django-tables2)."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from guanxi.analytics.models import Dashboard


class DashboardTable(tables.Table):
    name = tables.Column(verbose_name=_("Name"), linkify=True, attrs={"td": {"class": "strong"}})
    # a stock dashboard has no owner: it comes with Guanxi
    owner = tables.Column(verbose_name=_("owner"), default=_("Guanxi (stock)"), orderable=False)
    shared = tables.BooleanColumn(orderable=False)
    chart_count = tables.Column(verbose_name=_("charts"), orderable=False,
                           attrs={"th": {"class": "num"}, "td": {"class": "num"}})

    class Meta:
        model = Dashboard
        fields = ("name", "owner", "shared", "chart_count")
        empty_text = _("No dashboards yet.")

    def render_name(self, value, record):
        return record.display_name

    def render_owner(self, value):
        return value.get_full_name() or value.get_username()
