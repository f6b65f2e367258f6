"""Forms and filters of the booking pages. The rules live in service.bookings; a form shapes the
input and offers only the stations, bays and technicians the user may book."""

import datetime as dt

import django_filters
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.forms import UserModelForm
from guanxi.core.models import OrgUnit, User
from guanxi.core.scoping import units_within_reach
from guanxi.customers.filtersets import ALL, DAY
from guanxi.service.models import Bay, Booking, BookingSource, BookingStatus, JobKind, Technician

WHEN = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
BOOKABLE_JOBS = [(value, label) for value, label in JobKind.choices if value != JobKind.ROADSIDE]
DESK_SOURCES = [(value, label) for value, label in BookingSource.choices if value != BookingSource.ROADSIDE]


def stations(user, model, action):
    return units_within_reach(OrgUnit.objects.filter(has_service=True).order_by("code"), user,
                              model.permission_key, action)


def booking_stations(request):
    return stations(getattr(request, "user", None), Booking, "view")


class SlotSearchForm(forms.Form):
    station = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), label=_("station"))
    nearby = forms.BooleanField(label=_("also the other stations in its city"), required=False)
    since = forms.DateField(label=_("from"), widget=DAY)
    days = forms.IntegerField(label=_("days"), min_value=1, max_value=31, initial=7)
    job = forms.ChoiceField(label=_("job"), choices=BOOKABLE_JOBS, initial=JobKind.MAINTENANCE)
    vin = forms.CharField(label=_("VIN"), max_length=17, required=False,
                          help_text=_("The car to book; needed to book a slot in one click."))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = places = stations(user, Booking, "view")
        self.fields["station"].initial = user.primary_unit_id if places.filter(pk=user.primary_unit_id).exists() \
            else places.values_list("pk", flat=True).first()
        self.fields["since"].initial = timezone.localdate()


class BookingForm(forms.Form):
    """A car into a bay: from a free slot (every field filled in) or typed at the desk."""

    vin = forms.CharField(label=_("VIN"), max_length=17)
    station = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), label=_("station"), required=False,
                                     help_text=_("Leave empty with a bay chosen: the bay's station."))
    job = forms.ChoiceField(label=_("job"), choices=BOOKABLE_JOBS, initial=JobKind.MAINTENANCE)
    starts = forms.DateTimeField(label=_("starts"), widget=WHEN)
    minutes = forms.IntegerField(label=_("minutes"), min_value=15, max_value=600, required=False,
                                 help_text=_("Leave empty for the job's usual time."))
    bay = forms.ModelChoiceField(queryset=Bay.objects.none(), label=_("bay"), required=False,
                                 help_text=_("Leave empty for the first free bay that fits the job."))
    technician = forms.ModelChoiceField(queryset=Technician.objects.none(), label=_("technician"), required=False)
    source = forms.ChoiceField(label=_("booked by"), choices=DESK_SOURCES, initial=BookingSource.PHONE)
    note = forms.CharField(label=_("note"), max_length=500, required=False)

    def __init__(self, *args, user, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.fields["station"].queryset = stations(user, Booking, "add")
        self.fields["bay"].queryset = Bay.objects.restrict(user, "view").filter(active=True).select_related("station")
        self.fields["technician"].queryset = Technician.objects.restrict(user, "view").filter(active=True) \
            .select_related("user")

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("station") and "station" not in self.errors:
            if cleaned.get("bay"):
                cleaned["station"] = cleaned["bay"].station
            else:
                self.add_error("station", _("Choose a station, or a bay."))
        return cleaned

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        station, bay, technician = data.pop("station"), data.pop("bay", None), data.pop("technician", None)
        return {**data, "station_id": station.pk, "bay_id": bay.pk if bay else None,
                "technician_id": technician.pk if technician else None}


class RoadsideForm(forms.Form):
    vin = forms.CharField(label=_("VIN"), max_length=17)
    station = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), label=_("station"))
    location = forms.CharField(label=_("where the car is"), max_length=200)
    note = forms.CharField(label=_("what happened"), max_length=500, required=False)

    def __init__(self, *args, user, instance=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.fields["station"].queryset = stations(user, Booking, "add")

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        return {**data, "station_id": data.pop("station").pk}


class ArriveForm(forms.Form):
    title = _("The car has arrived")
    primary = True


class DoneForm(forms.Form):
    title = _("The job is done")
    primary = True


class NoShowForm(forms.Form):
    title = _("The customer did not come")


class CancelBookingForm(forms.Form):
    title = _("Cancel the booking")
    reason = forms.CharField(label=_("why"), max_length=200)


class BayForm(UserModelForm):
    class Meta:
        model = Bay
        fields = ("station", "name", "kind", "active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = stations(self.user, Bay, "change" if self.instance.pk else "add")


class TechnicianForm(UserModelForm):
    class Meta:
        model = Technician
        fields = ("user", "station", "skills", "shift_starts", "shift_ends", "working_days", "active")
        widgets = {"shift_starts": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                   "shift_ends": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        places = stations(self.user, Technician, "change" if self.instance.pk else "add")
        self.fields["station"].queryset = places
        self.fields["user"].queryset = User.objects.filter(is_active=True, memberships__org_unit__in=places) \
            .distinct().order_by("username")


class BookingFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=BookingStatus.choices, label=_("status"), empty_label=ALL)
    source = django_filters.ChoiceFilter(choices=BookingSource.choices, label=_("booked by"), empty_label=ALL)
    station = django_filters.ModelChoiceFilter(queryset=booking_stations, label=_("station"), empty_label=ALL)
    vin = django_filters.CharFilter(field_name="vehicle__vin", lookup_expr="iexact", label=_("VIN"))
    day = django_filters.DateFilter(method="on_day", label=_("day"), widget=DAY)

    class Meta:
        model = Booking
        fields = ["status", "source", "station", "vin", "day"]

    def on_day(self, rows, name, value):
        zone = timezone.get_current_timezone()
        start = dt.datetime.combine(value, dt.time(), zone)
        return rows.filter(starts__lt=start + dt.timedelta(days=1), ends__gt=start)
