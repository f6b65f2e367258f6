"""Filters of the ticket list (django-filter): one definition for the page, the export, the API and
the service-level report."""

import django_filters
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import OrgUnit
from guanxi.core.scoping import units_within_reach
from guanxi.customers.filtersets import ALL, DAY, yes_no_filter
from guanxi.customers.models import Tier
from guanxi.service.models import (
    LOW_CSAT,
    OPEN_STATUSES,
    Billing,
    ContractKind,
    Part,
    Priority,
    ServiceContract,
    Stock,
    Survey,
    SurveyState,
    Ticket,
    TicketKind,
    TicketStatus,
    WorkKind,
    WorkOrder,
    WorkOrderStatus,
)


def ticket_units(request):
    return units_within_reach(OrgUnit.objects.order_by("path"), getattr(request, "user", None),
                              Ticket.permission_key, "view")


class TicketFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=TicketStatus.choices, label=_("status"), empty_label=ALL)
    open = yes_no_filter(_("open"))
    open.method = "still_open"
    kind = django_filters.ChoiceFilter(choices=TicketKind.choices, label=_("type"), empty_label=ALL)
    priority = django_filters.ChoiceFilter(choices=Priority.choices, label=_("priority"), empty_label=ALL)
    tier = django_filters.ChoiceFilter(choices=Tier.choices, label=_("customer tier"), empty_label=ALL)
    org_unit = django_filters.ModelChoiceFilter(queryset=ticket_units, label=_("responsible unit"), empty_label=ALL)
    overdue = yes_no_filter(_("service level missed"))
    overdue.method = "service_level_missed"
    mine = yes_no_filter(_("assigned to me"))
    mine.method = "assigned_to_me"
    since = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label=_("opened from"),
                                      widget=DAY)
    until = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label=_("until"), widget=DAY)

    class Meta:
        model = Ticket
        fields = ["status", "open", "kind", "priority", "tier", "org_unit", "overdue", "mine", "since", "until"]

    def still_open(self, rows, name, value):
        return rows.filter(status__in=OPEN_STATUSES) if value else rows.exclude(status__in=OPEN_STATUSES)

    def service_level_missed(self, rows, name, value):
        """Past a due time: marked by the worker, or due already and not yet swept."""
        now = timezone.now()
        late = (Q(response_breached_at__isnull=False) | Q(resolution_breached_at__isnull=False)
                | Q(first_responded_at__isnull=True, first_response_due__lt=now, status__in=OPEN_STATUSES)
                | Q(resolution_due__lt=now, status__in=OPEN_STATUSES[:3]))
        return rows.filter(late) if value else rows.exclude(late)

    def assigned_to_me(self, rows, name, value):
        user = getattr(self.request, "user", None)
        return rows.filter(assignee=user) if value else rows.exclude(assignee=user)


class AttainmentFilterSet(django_filters.FilterSet):
    """The service-level report's period (tickets opened from / until), type, tier and unit."""

    since = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label=_("opened from"),
                                      widget=DAY)
    until = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label=_("until"), widget=DAY)
    kind = django_filters.ChoiceFilter(choices=TicketKind.choices, label=_("type"), empty_label=ALL)
    tier = django_filters.ChoiceFilter(choices=Tier.choices, label=_("customer tier"), empty_label=ALL)
    org_unit = django_filters.ModelChoiceFilter(queryset=ticket_units, label=_("responsible unit"), empty_label=ALL)

    class Meta:
        model = Ticket
        fields = ["since", "until", "kind", "tier", "org_unit"]


class WorkOrderFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=WorkOrderStatus.choices, label=_("status"), empty_label=ALL)
    kind = django_filters.ChoiceFilter(choices=WorkKind.choices, label=_("kind"), empty_label=ALL)
    billing = django_filters.ChoiceFilter(choices=Billing.choices, label=_("who pays"), empty_label=ALL)
    station = django_filters.ModelChoiceFilter(queryset=ticket_units, label=_("station"), empty_label=ALL)
    vin = django_filters.CharFilter(field_name="vehicle__vin", lookup_expr="iexact", label=_("VIN"))
    since = django_filters.DateFilter(field_name="created_at", lookup_expr="date__gte", label=_("opened from"),
                                      widget=DAY)
    until = django_filters.DateFilter(field_name="created_at", lookup_expr="date__lte", label=_("until"), widget=DAY)

    class Meta:
        model = WorkOrder
        fields = ["status", "kind", "billing", "station", "vin", "since", "until"]


class ContractFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ContractKind.choices, label=_("kind"), empty_label=ALL)
    vin = django_filters.CharFilter(field_name="vehicle__vin", lookup_expr="iexact", label=_("VIN"))

    class Meta:
        model = ServiceContract
        fields = ["kind", "vin"]


class StockFilterSet(django_filters.FilterSet):
    station = django_filters.ModelChoiceFilter(queryset=ticket_units, label=_("station"), empty_label=ALL)
    low = yes_no_filter(_("at or under the reorder level"))
    low.method = "at_reorder_level"
    q = django_filters.CharFilter(field_name="part__code", lookup_expr="istartswith", label=_("part number"))

    class Meta:
        model = Stock
        fields = ["station", "low", "q"]

    def at_reorder_level(self, rows, name, value):
        low = Q(on_hand__lte=F("reserved") + F("reorder_level"))
        return rows.filter(low) if value else rows.exclude(low)


class SurveyFilterSet(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=SurveyState.choices, label=_("state"), empty_label=ALL)
    station = django_filters.ModelChoiceFilter(queryset=ticket_units, label=_("unit"), empty_label=ALL)
    low = yes_no_filter(_("low score"))
    low.method = "low_score"

    class Meta:
        model = Survey
        fields = ["state", "station", "low"]

    def low_score(self, rows, name, value):
        low = Q(csat__lte=LOW_CSAT)
        return rows.filter(low) if value else rows.exclude(low)


class PartFilterSet(django_filters.FilterSet):
    active = yes_no_filter(_("in use"))
    q = django_filters.CharFilter(field_name="code", lookup_expr="istartswith", label=_("part number"))

    class Meta:
        model = Part
        fields = ["active", "q"]
