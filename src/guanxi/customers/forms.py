"""Forms of the customer pages. Validation of identifiers and scope stays in the services; a
form only shapes the input and offers what the user may pick."""

from django import forms
from django.utils.translation import gettext_lazy as _

from guanxi.core.models import OrgUnit
from guanxi.core.scoping import units_within_reach
from guanxi.customers.filtersets import dealers_within_reach
from guanxi.customers.identity import may_identify
from guanxi.customers.models import (
    Channel,
    Consent,
    ContactPoint,
    Customer,
    Direction,
    Interaction,
    Segment,
    Stage,
    Tier,
    Vehicle,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CustomerForm(forms.ModelForm):
    national_id = forms.CharField(
        label=_("ID number"), required=False, max_length=24,
        help_text=_("Stored only as a keyed hash and a mask; leave empty to keep the current one."),
    )

    class Meta:
        model = Customer
        fields = ("name", "name_latin", "kind", "gender", "birth_date", "segment", "tier", "source", "home_dealer",
                  "province", "city")
        widgets = {"birth_date": DATE}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        current = OrgUnit.objects.filter(pk=self.instance.home_dealer_id)
        self.fields["home_dealer"].queryset = (dealers_within_reach(user, "change") | current).distinct()
        self.fields["home_dealer"].required = False
        if self.instance.birth_date and not may_identify(user):
            del self.fields["birth_date"]  # not shown to this role (customers.identity), so not editable either

    def service_data(self) -> dict:
        """What the customer services take: the model's fields, the dealer by id, the ID number."""
        data = {name: value for name, value in self.cleaned_data.items() if name in self.Meta.fields}
        data["home_dealer_id"] = data.pop("home_dealer").pk if data.get("home_dealer") else None
        if self.cleaned_data.get("national_id"):
            data["national_id"] = self.cleaned_data["national_id"]
        return data


def _unchanged(choices):
    return [("", _("(unchanged)")), *choices]


class BulkForm(forms.Form):
    """What can be set on many rows at once: every field optional, one left at "(unchanged)" or
    empty is left alone. Takes the `user` the bulk edit view passes, for what they may pick."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user


class CustomerBulkForm(BulkForm):
    tier = forms.ChoiceField(label=_("Tier"), choices=_unchanged(Tier.choices), required=False)
    lifecycle_stage = forms.ChoiceField(label=_("Lifecycle stage"), choices=_unchanged(Stage.choices), required=False)
    segment = forms.ChoiceField(label=_("Segment"), choices=_unchanged(Segment.choices), required=False)
    home_dealer = forms.ModelChoiceField(label=_("Home dealer"), queryset=OrgUnit.objects.none(), required=False,
                                         empty_label=_("(unchanged)"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["home_dealer"].queryset = dealers_within_reach(user, "change")


class VehicleForm(forms.ModelForm):
    class Meta:
        model = Vehicle
        fields = ("model", "model_year", "plate", "purchase_date", "warranty_end", "mileage_km", "price",
                  "service_unit")
        widgets = {"purchase_date": DATE, "warranty_end": DATE}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        units = OrgUnit.objects.filter(has_service=True).order_by("code")
        self.fields["service_unit"].queryset = units_within_reach(units, user, "customers.vehicle", "change")

    def service_data(self) -> dict:
        data = {name: value for name, value in self.cleaned_data.items() if name != "service_unit"}
        unit = self.cleaned_data.get("service_unit")
        data["service_unit_id"] = unit.pk if unit else None
        return data


class UserForm(forms.ModelForm):
    """A model form that takes (and ignores) the `user` the generic edit view passes."""

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)


class ContactPointForm(UserForm):
    class Meta:
        model = ContactPoint
        fields = ("kind", "value", "is_primary", "opted_out", "province", "city", "district")


class ConsentForm(UserForm):
    class Meta:
        model = Consent
        fields = ("channel", "purpose", "granted", "how")


class InteractionForm(UserForm):
    occurred_at = forms.DateTimeField(
        label=_("When"), required=False, help_text=_("Leave empty for now."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    class Meta:
        model = Interaction
        fields = ("channel", "direction", "subject", "summary", "occurred_at")
        widgets = {"summary": forms.Textarea(attrs={"rows": 3})}


class ConsentChangeForm(UserForm):
    """The customer's new answer for the consent's channel and purpose."""

    class Meta:
        model = Consent
        fields = ("granted", "how")


def _yes_no(label) -> forms.TypedChoiceField:
    """"(unchanged)" / yes / no, cleaned to None / True / False."""
    return forms.TypedChoiceField(label=label, choices=_unchanged([("yes", _("yes")), ("no", _("no"))]),
                                  coerce=lambda answer: answer == "yes", empty_value=None, required=False)


class VehicleBulkForm(BulkForm):
    """A fleet moved to another service station, a batch of warranties extended."""

    service_unit = forms.ModelChoiceField(label=_("Service station"), queryset=OrgUnit.objects.none(),
                                          required=False, empty_label=_("(unchanged)"))
    warranty_end = forms.DateField(label=_("Warranty end"), required=False, widget=DATE)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        units = OrgUnit.objects.filter(has_service=True).order_by("code")
        self.fields["service_unit"].queryset = units_within_reach(units, user, "customers.vehicle", "change")


class ContactPointBulkForm(BulkForm):
    opted_out = _yes_no(_("Opted out"))


class ConsentBulkForm(BulkForm):
    granted = _yes_no(_("Granted"))
    how = forms.CharField(label=_("How"), max_length=100, required=False)


class InteractionBulkForm(BulkForm):
    channel = forms.ChoiceField(label=_("Channel"), choices=_unchanged(Channel.choices), required=False)
    direction = forms.ChoiceField(label=_("Direction"), choices=_unchanged(Direction.choices), required=False)


class VehicleRegistrationForm(UserForm):
    """A car registered to a customer: a new VIN, or one already known that changes hands."""

    vin = forms.CharField(label=_("VIN"), max_length=20)

    class Meta:
        model = Vehicle
        fields = ("vin", "model", "model_year", "plate", "purchase_date", "warranty_end", "mileage_km", "price")
        widgets = {"purchase_date": DATE, "warranty_end": DATE}

    def validate_unique(self):
        """A known VIN is a transfer, not a duplicate: the service decides (and checks the scope)."""
