"""Filters of the lead list (django-filter): one definition for the page, the export and the API."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import OrgUnit, OrgUnitKind
from guanxi.core.scoping import units_within_reach
from guanxi.customers.filtersets import ALL, DAY, yes_no_filter
from guanxi.sales.models import (
    DistributionRule,
    Lead,
    LeadSource,
    LeadStatus,
    Opportunity,
    OpportunityStage,
    Order,
    OrderState,
    PriceList,
    Product,
    ProductKind,
    Timeframe,
)


def lead_dealers(request):
    """The dealers whose leads the user may see: all for head office, the user's own otherwise."""
    dealers = OrgUnit.objects.filter(kind=OrgUnitKind.DEALER).order_by("code")
    return units_within_reach(dealers, getattr(request, "user", None), Lead.permission_key, "view")


class LeadFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=LeadStatus.choices, label=_("status"), empty_label=ALL)
    timeframe = django_filters.ChoiceFilter(choices=Timeframe.choices, label=_("purchase timeframe"),
                                            empty_label=ALL)
    source = django_filters.ChoiceFilter(choices=LeadSource.choices, label=_("source"), empty_label=ALL)
    dealer = django_filters.ModelChoiceFilter(queryset=lead_dealers, label=_("dealer"), empty_label=ALL)
    overdue = yes_no_filter(_("service level missed"))
    overdue.method = "service_level_missed"
    repurchase = yes_no_filter(_("repurchase"))

    class Meta:
        model = Lead
        fields = ["status", "timeframe", "source", "dealer", "overdue", "repurchase"]

    def service_level_missed(self, rows, name, value):
        """Not accepted or not called in time, or escalated to head office."""
        now = timezone.now()
        late = (Q(status=LeadStatus.ASSIGNED, accept_by__lt=now) | Q(status=LeadStatus.ACCEPTED, contact_by__lt=now)
                | Q(escalated_at__isnull=False, status__in=[LeadStatus.ASSIGNED, LeadStatus.ACCEPTED]))
        return rows.filter(late) if value else rows.exclude(late)


class DistributionRuleFilterSet(django_filters.FilterSet):
    dealer = django_filters.ModelChoiceFilter(queryset=lead_dealers, label=_("dealer"), empty_label=ALL)
    province = django_filters.CharFilter(label=_("province"))
    active = yes_no_filter(_("in use"))

    class Meta:
        model = DistributionRule
        fields = ["dealer", "province", "active"]


def opportunity_dealers(request):
    dealers = OrgUnit.objects.filter(kind=OrgUnitKind.DEALER).order_by("code")
    return units_within_reach(dealers, getattr(request, "user", None), Opportunity.permission_key, "view")


def opportunity_regions(request):
    regions = OrgUnit.objects.filter(kind=OrgUnitKind.REGION).order_by("code")
    return units_within_reach(regions, getattr(request, "user", None), Opportunity.permission_key, "view")


class OpportunityFilterSet(django_filters.FilterSet):
    """The list's filters, and the funnel's: by dealer, region, model, owner and expected close."""

    stage = django_filters.ChoiceFilter(choices=OpportunityStage.choices, label=_("stage"), empty_label=ALL)
    dealer = django_filters.ModelChoiceFilter(queryset=opportunity_dealers, label=_("dealer"), empty_label=ALL)
    region = django_filters.ModelChoiceFilter(field_name="dealer__parent", queryset=opportunity_regions,
                                              label=_("region"), empty_label=ALL)
    model = django_filters.CharFilter(lookup_expr="startswith", label=_("model"))
    mine = django_filters.BooleanFilter(method="owned_by_me", label=_("mine"), widget=forms.CheckboxInput)
    close_from = django_filters.DateFilter(field_name="expected_close", lookup_expr="gte", label=_("closing from"),
                                           widget=DAY)
    close_until = django_filters.DateFilter(field_name="expected_close", lookup_expr="lte", label=_("closing until"),
                                            widget=DAY)

    class Meta:
        model = Opportunity
        fields = ["stage", "dealer", "region", "model", "mine", "close_from", "close_until"]

    def owned_by_me(self, rows, name, value):
        return rows.filter(owner=self.request.user) if value else rows


class LeagueFilterSet(django_filters.FilterSet):
    """The dealer league's period (leads handed over from / until) and region."""

    region = django_filters.ModelChoiceFilter(field_name="dealer__parent", queryset=opportunity_regions,
                                              label=_("region"), empty_label=ALL)
    since = django_filters.DateFilter(field_name="assigned_at", lookup_expr="date__gte", label=_("handed over from"),
                                      widget=DAY)
    until = django_filters.DateFilter(field_name="assigned_at", lookup_expr="date__lte", label=_("until"), widget=DAY)

    class Meta:
        model = Lead
        fields = ["region", "since", "until"]


class ProductFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ProductKind.choices, label=_("kind"), empty_label=ALL)
    active = yes_no_filter(_("on sale"))
    q = django_filters.CharFilter(field_name="name", lookup_expr="startswith", label=_("name starts with"))

    class Meta:
        model = Product
        fields = ["kind", "active", "q"]


class PriceListFilterSet(django_filters.FilterSet):
    valid_on = django_filters.DateFilter(method="valid_on_day", label=_("valid on"), widget=DAY)

    class Meta:
        model = PriceList
        fields = ["valid_on"]

    def valid_on_day(self, rows, name, value):
        return rows.filter(Q(valid_from__lte=value) & (Q(valid_until__isnull=True) | Q(valid_until__gte=value)))


class OrderFilterSet(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=OrderState.choices, label=_("state"), empty_label=ALL)
    dealer = django_filters.ModelChoiceFilter(field_name="opportunity__dealer", queryset=opportunity_dealers,
                                              label=_("dealer"), empty_label=ALL)

    class Meta:
        model = Order
        fields = ["state", "dealer"]
