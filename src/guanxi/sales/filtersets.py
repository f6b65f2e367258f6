"""Filters of the lead list (django-filter): one definition for the page, the export and the API."""

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import OrgUnit, OrgUnitKind
from guanxi.core.scoping import units_within_reach
from guanxi.customers.filtersets import ALL, yes_no_filter
from guanxi.sales.models import DistributionRule, Lead, LeadSource, LeadStatus, Timeframe


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
