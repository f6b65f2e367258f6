"""Forms of the work-order, contract, parts and stock pages. The rules live in service.workshop
and service.stock; a form shapes the input and offers what the user may pick."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from guanxi.core.forms import UserModelForm
from guanxi.core.models import OrgUnit
from guanxi.core.scoping import units_within_reach
from guanxi.customers.models import Vehicle
from guanxi.service.models import Part, ServiceContract, Stock, WorkKind, WorkOrder

TEXTAREA = forms.Textarea(attrs={"rows": 3})


def _stations(user, model, action):
    return units_within_reach(OrgUnit.objects.filter(kind__in=("service_station", "dealer")).order_by("code"),
                              user, model.permission_key, action)


class WorkOrderForm(forms.Form):
    """A car at the desk: its VIN (or the ticket's car), the odometer, what the customer says."""

    vin = forms.CharField(label=_("VIN"), max_length=17, required=False)
    kind = forms.ChoiceField(label=_("kind"), choices=WorkKind.choices)
    mileage_km = forms.IntegerField(label=_("mileage (km)"), min_value=0, max_value=2_000_000)
    complaint = forms.CharField(label=_("customer's complaint"), widget=TEXTAREA, max_length=2000)
    station = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), label=_("station"), required=False)

    def __init__(self, *args, user, ticket=None, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.ticket, self.instance = ticket, instance
        stations = _stations(user, WorkOrder, "add")
        if stations.count() <= 1:
            del self.fields["station"]
        else:
            self.fields["station"].queryset = stations
        if ticket is not None and ticket.vehicle_id:
            self.fields["vin"].initial = ticket.vehicle.vin
            self.fields["complaint"].initial = ticket.subject
            if ticket.kind == "maintenance":
                self.fields["kind"].initial = WorkKind.MAINTENANCE

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        station = data.pop("station", None)
        return {**data, "station_id": station.pk if station else None,
                "ticket_id": self.ticket.pk if self.ticket else None}


class JobForm(forms.Form):
    title = _("Add labour")
    labour_code = forms.CharField(label=_("labour code"), max_length=20)
    description = forms.CharField(label=_("description"), max_length=200)
    hours = forms.DecimalField(label=_("hours"), max_digits=5, decimal_places=2, min_value=0.1, max_value=200)
    rate = forms.DecimalField(label=_("rate per hour"), max_digits=8, decimal_places=2, min_value=0, required=False,
                              help_text=_("Leave empty for the standard rate."))


class PartForm(forms.Form):
    title = _("Add a part")
    primary = True
    part = forms.ModelChoiceField(queryset=Part.objects.filter(active=True), label=_("part"))
    quantity = forms.IntegerField(label=_("quantity"), min_value=1, max_value=1000, initial=1)


class RemovePartForm(forms.Form):
    title = _("Remove a part")
    line = forms.IntegerField(label=_("line"), widget=forms.HiddenInput)


class StartForm(forms.Form):
    title = _("Start the work")


class CompleteForm(forms.Form):
    title = _("Complete")
    diagnosis = forms.CharField(label=_("diagnosis"), widget=TEXTAREA, max_length=5000)


class CloseWorkForm(forms.Form):
    title = _("Hand the car back")


class CancelForm(forms.Form):
    title = _("Cancel the work order")
    reason = forms.CharField(label=_("why"), max_length=200)


class ServiceContractForm(UserModelForm):
    """A contract for a car named by its VIN (a list of every car in reach would be millions long
    for head office); the car must be one the user may see, its current owner is the customer."""

    vin = forms.CharField(label=_("VIN"), max_length=17)

    class Meta:
        model = ServiceContract
        fields = ("number", "kind", "vin", "starts", "ends", "max_km", "visits", "price", "sold_by")
        widgets = {"starts": forms.DateInput(attrs={"type": "date"}), "ends": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.vehicle_id:
            self.fields["vin"].initial = self.instance.vehicle.vin
        self.fields["sold_by"].queryset = units_within_reach(OrgUnit.objects.order_by("code"), self.user,
                                                             ServiceContract.permission_key, "add")

    def clean_vin(self):
        vin = self.cleaned_data["vin"].strip().upper()
        vehicle = Vehicle.objects.restrict(self.user, "view").filter(vin=vin).first()
        if vehicle is None:
            raise ValidationError(_("No car with this VIN that you may see."))
        owner = vehicle.ownerships.filter(end_date__isnull=True).first()
        if owner is None:
            raise ValidationError(_("This car has no current owner on record."))
        self.instance.vehicle, self.instance.customer_id = vehicle, owner.customer_id
        return vehicle.vin


class PartCatalogForm(UserModelForm):
    class Meta:
        model = Part
        fields = ("code", "name", "name_en", "price", "unit", "active")


class ReceiveForm(forms.Form):
    title = _("Receive")
    primary = True
    quantity = forms.IntegerField(label=_("quantity"), min_value=1, max_value=100_000)
    note = forms.CharField(label=_("delivery note"), max_length=200, required=False)


class TransferForm(forms.Form):
    title = _("Send to another station")
    to_station = forms.ModelChoiceField(
        queryset=OrgUnit.objects.filter(kind__in=("service_station", "dealer")).order_by("code"),
        label=_("to station"))
    quantity = forms.IntegerField(label=_("quantity"), min_value=1, max_value=100_000)


class ReorderLevelForm(forms.Form):
    title = _("Reorder level")
    reorder_level = forms.IntegerField(label=_("reorder level"), min_value=0, max_value=100_000)


class StockAddForm(UserModelForm):
    """A part a station starts to keep."""

    class Meta:
        model = Stock
        fields = ("station", "part", "reorder_level")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = _stations(self.user, Stock, "change")
