"""Filters of the customer and vehicle lists (django-filter): one definition for the UI and the API.

Every filter uses an indexed key or a prefix match, because a dealer network's customer table
is large; free-text "contains" searches would scan it.
"""

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import OrgUnit, OrgUnitKind
from guanxi.core.scoping import units_within_reach
from guanxi.customers.models import (
    Activity,
    ActivityKind,
    ActivityState,
    Channel,
    Consent,
    ConsentChannel,
    ConsentPurpose,
    ContactKind,
    ContactPoint,
    Customer,
    Direction,
    Interaction,
    Segment,
    Stage,
    Tier,
    Vehicle,
)


def dealers_within_reach(user, action: str):
    """The dealers whose customers the user may act on: all for head office, the user's own otherwise."""
    dealers = OrgUnit.objects.filter(kind=OrgUnitKind.DEALER).order_by("code")
    return units_within_reach(dealers, user, "customers.customer", action)


def visible_dealers(request):
    """The dealers a user may pick in a filter."""
    return dealers_within_reach(getattr(request, "user", None), "view")


ALL = _("All")


def search_box(placeholder) -> forms.TextInput:
    return forms.TextInput(attrs={"type": "search", "placeholder": placeholder, "autocomplete": "off"})


class CustomerFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        field_name="name",
        lookup_expr="startswith",
        label=_("Name starts with"),
        widget=search_box(_("Name starts with…")),
    )
    lifecycle_stage = django_filters.ChoiceFilter(choices=Stage.choices, label=_("lifecycle stage"), empty_label=ALL)
    tier = django_filters.ChoiceFilter(choices=Tier.choices, label=_("tier"), empty_label=ALL)
    segment = django_filters.ChoiceFilter(choices=Segment.choices, label=_("segment"), empty_label=ALL)
    home_dealer = django_filters.ModelChoiceFilter(queryset=visible_dealers, label=_("home dealer"), empty_label=ALL)

    class Meta:
        model = Customer
        fields = ["q", "lifecycle_stage", "tier", "segment", "home_dealer"]


class VehicleFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="vin_or_plate_prefix", label=_("VIN or plate"), widget=search_box(_("VIN or plate starts with…"))
    )
    model = django_filters.CharFilter(field_name="model", lookup_expr="startswith", label=_("model"))
    model_year = django_filters.NumberFilter(label=_("model year"))
    selling_dealer = django_filters.ModelChoiceFilter(
        queryset=visible_dealers, label=_("selling dealer"), empty_label=ALL
    )

    class Meta:
        model = Vehicle
        fields = ["q", "model", "model_year", "selling_dealer"]

    def vin_or_plate_prefix(self, rows, name, value):
        key = value.replace(" ", "").upper()
        return rows.filter(Q(vin__startswith=key) | Q(plate__startswith=key))


DAY = forms.DateInput(attrs={"type": "date"})


def yes_no_filter(label) -> django_filters.BooleanFilter:
    """A yes/no filter whose empty choice reads "All" (django-filter's own says "Unknown")."""
    choices = [("", ALL), ("true", _("yes")), ("false", _("no"))]
    return django_filters.BooleanFilter(label=label, widget=forms.Select(choices=choices))


class InteractionFilterSet(django_filters.FilterSet):
    channel = django_filters.ChoiceFilter(choices=Channel.choices, label=_("channel"), empty_label=ALL)
    direction = django_filters.ChoiceFilter(choices=Direction.choices, label=_("direction"), empty_label=ALL)
    since = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__gte", label=_("from"), widget=DAY)
    until = django_filters.DateFilter(field_name="occurred_at", lookup_expr="date__lte", label=_("until"), widget=DAY)

    class Meta:
        model = Interaction
        fields = ["channel", "direction", "since", "until"]


class ContactPointFilterSet(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ContactKind.choices, label=_("kind"), empty_label=ALL)
    is_primary = yes_no_filter(_("primary"))
    opted_out = yes_no_filter(_("opted out"))

    class Meta:
        model = ContactPoint
        fields = ["kind", "is_primary", "opted_out"]


class ConsentFilterSet(django_filters.FilterSet):
    channel = django_filters.ChoiceFilter(choices=ConsentChannel.choices, label=_("channel"), empty_label=ALL)
    purpose = django_filters.ChoiceFilter(choices=ConsentPurpose.choices, label=_("purpose"), empty_label=ALL)
    granted = yes_no_filter(_("granted"))

    class Meta:
        model = Consent
        fields = ["channel", "purpose", "granted"]


class ActivityFilterSet(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=ActivityState.choices, label=_("state"), empty_label=ALL)
    kind = django_filters.ChoiceFilter(choices=ActivityKind.choices, label=_("kind"), empty_label=ALL)
    mine = django_filters.BooleanFilter(method="assigned_to_me", label=_("assigned to me"),
                                        widget=forms.CheckboxInput)
    until = django_filters.DateFilter(field_name="due_at", lookup_expr="date__lte", label=_("due by"), widget=DAY)

    class Meta:
        model = Activity
        fields = ["state", "kind", "mine", "until"]

    def assigned_to_me(self, rows, name, value):
        return rows.filter(assignee=self.request.user) if value else rows
