"""Columns of the customer and vehicle lists (django-tables2).

Only columns with an index behind them sort: sorting 3 million customers by tier or city means
sorting the whole table (over a second measured); those are filters instead.
"""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from guanxi.core.formatting import money
from guanxi.customers.models import Activity, Consent, ContactPoint, Customer, Interaction, Vehicle

DETAIL = ("customers:detail", {"pk": tables.A("pk")})


def yes_no(value: bool) -> str:
    """A yes/no column's value in an export: words, not ✔ and ✘."""
    return str(_("yes") if value else _("no"))


def badge(kind: str, code: str, label) -> str:
    return format_html('<span class="badge badge-{}-{}">{}</span>', kind, code, label)


def tier_cell(customer, editable: bool) -> str:
    """The tier badge; for those who may change the customer, a button that turns the cell into a
    small form (views.CustomerTierView), which shows this cell again once saved."""
    shown = badge("tier", customer.tier, customer.get_tier_display())
    if not editable:
        return shown
    return format_html(
        '<button type="button" class="inline-edit" hx-get="{}" hx-target="this" hx-swap="outerHTML" '
        'hx-push-url="false" aria-label="{}">{}</button>',
        reverse("customers:tier", args=[customer.pk]),
        _("%(tier)s: change the tier of %(name)s") % {"tier": customer.get_tier_display(), "name": customer.name},
        shown,
    )


class CustomerTable(tables.Table):
    name = tables.Column(verbose_name=_("Name"), linkify=DETAIL, attrs={"td": {"class": "strong"}})
    tier = tables.Column(orderable=False)
    lifecycle_stage = tables.Column(orderable=False)
    home_dealer = tables.Column(orderable=False)
    city = tables.Column(orderable=False)
    lifetime_spend = tables.Column(attrs={"th": {"class": "num"}, "td": {"class": "num"}})

    class Meta:
        model = Customer
        fields = ("name", "tier", "lifecycle_stage", "home_dealer", "city", "lifetime_spend")
        empty_text = _("No customers match.")

    def render_tier(self, value, record):
        return tier_cell(record, getattr(self, "editable", False))

    def render_lifecycle_stage(self, value, record):
        return badge("stage", record.lifecycle_stage, value)

    def render_lifetime_spend(self, value, record):
        return money(value, record.currency)

    # plain values for exports (as_values): labels instead of badges, numbers as numbers
    def value_tier(self, record):
        return record.get_tier_display()

    def value_lifecycle_stage(self, record):
        return record.get_lifecycle_stage_display()

    def value_lifetime_spend(self, value):
        return float(value)


class VehicleTable(tables.Table):
    vin = tables.Column(attrs={"td": {"class": "mono"}}, linkify=("customers:vehicle", {"pk": tables.A("pk")}))
    model = tables.Column(orderable=False)
    model_year = tables.Column(orderable=False)
    plate = tables.Column(attrs={"td": {"class": "plate-cell"}})
    selling_dealer = tables.Column(orderable=False)
    warranty_end = tables.Column(orderable=False)

    class Meta:
        model = Vehicle
        fields = ("vin", "model", "model_year", "plate", "selling_dealer", "purchase_date", "warranty_end")
        empty_text = _("No vehicles match.")


CUSTOMER = ("customers:detail", {"pk": tables.A("customer_id")})


class InteractionTable(tables.Table):
    occurred_at = tables.DateTimeColumn(format="SHORT_DATETIME_FORMAT")
    customer = tables.Column(linkify=CUSTOMER, orderable=False)
    channel = tables.Column(orderable=False)
    direction = tables.Column(orderable=False)
    subject = tables.Column(orderable=False, linkify=("customers:interaction", {"pk": tables.A("pk")}))
    org_unit = tables.Column(orderable=False)
    user = tables.Column(orderable=False)

    class Meta:
        model = Interaction
        fields = ("occurred_at", "customer", "channel", "direction", "subject", "org_unit", "user")
        empty_text = _("No interactions match.")


class ContactPointTable(tables.Table):
    value = tables.Column(orderable=False, linkify=("customers:contact", {"pk": tables.A("pk")}))
    kind = tables.Column(orderable=False)
    customer = tables.Column(linkify=CUSTOMER, orderable=False)
    city = tables.Column(orderable=False)
    is_primary = tables.BooleanColumn(orderable=False)
    opted_out = tables.BooleanColumn(orderable=False)

    class Meta:
        model = ContactPoint
        fields = ("value", "kind", "customer", "city", "is_primary", "opted_out")
        empty_text = _("No contact points match.")

    def value_is_primary(self, value):
        return yes_no(value)

    def value_opted_out(self, value):
        return yes_no(value)


class ConsentTable(tables.Table):
    customer = tables.Column(linkify=CUSTOMER, orderable=False)
    channel = tables.Column(orderable=False, linkify=("customers:consent", {"pk": tables.A("pk")}))
    purpose = tables.Column(orderable=False)
    granted = tables.BooleanColumn(orderable=False)
    recorded_at = tables.DateTimeColumn(format="SHORT_DATE_FORMAT", orderable=False)
    how = tables.Column(orderable=False)

    class Meta:
        model = Consent
        fields = ("customer", "channel", "purpose", "granted", "recorded_at", "how")
        empty_text = _("No consents match.")

    def value_granted(self, value):
        return yes_no(value)


class ActivityTable(tables.Table):
    due_at = tables.DateTimeColumn(format="SHORT_DATETIME_FORMAT")
    summary = tables.Column(orderable=False, linkify=("customers:activity", {"pk": tables.A("pk")}))
    kind = tables.Column(orderable=False)
    customer = tables.Column(linkify=CUSTOMER, orderable=False)
    assignee = tables.Column(orderable=False)
    important = tables.BooleanColumn(orderable=False)
    urgent = tables.BooleanColumn(orderable=False)
    state = tables.Column(orderable=False)

    class Meta:
        model = Activity
        fields = ("due_at", "summary", "kind", "customer", "assignee", "important", "urgent", "state")
        empty_text = _("No activities match.")

    def value_important(self, value):
        return yes_no(value)

    def value_urgent(self, value):
        return yes_no(value)
