"""The retention list's columns (django-tables2); the same columns go into its CSV and Excel export."""

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from guanxi.analytics.cards import LEVEL_NAMES, RISK_NAMES, banded, worded
from guanxi.analytics.models import Score
from guanxi.core.formatting import money


class RetentionTable(tables.Table):
    customer = tables.Column(linkify=("customers:detail", {"pk": tables.A("customer_id")}), orderable=False,
                             verbose_name=_("customer"))
    value = tables.Column(verbose_name=_("churn risk"))
    reasons = tables.Column(orderable=False, verbose_name=_("why"))
    value_level = tables.Column(orderable=False, verbose_name=_("value level"), empty_values=())
    lifetime_value = tables.Column(orderable=False, verbose_name=_("lifetime value"), empty_values=())
    home_dealer = tables.Column(accessor="customer__home_dealer", orderable=False, verbose_name=_("home dealer"))

    class Meta:
        model = Score
        fields = ("customer", "value", "reasons", "value_level", "lifetime_value", "home_dealer")
        empty_text = _("No owner at risk matches, or churn has not been scored yet.")

    def render_value(self, value, record):
        return banded(record, RISK_NAMES)

    def value_value(self, value):
        return round(value, 4)

    def render_reasons(self, value):
        return "; ".join(worded(condition) for condition in dict(value).get("why", []))

    def value_reasons(self, value):
        return self.render_reasons(value)

    def render_value_level(self, value):
        return LEVEL_NAMES.get(value, "—")

    def render_lifetime_value(self, value, record):
        return "—" if value is None else money(round(value, 2), record.customer.currency)

    def value_lifetime_value(self, value):
        return None if value is None else round(value, 2)
