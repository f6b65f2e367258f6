"""Forms of the customer pages. Validation of identifiers and scope stays in the services; a
form only shapes the input and offers what the user may pick."""

import datetime as dt
import re

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from guanxi.core.forms import UserModelForm
from guanxi.core.models import OrgUnit, User
from guanxi.core.scoping import units_within_reach
from guanxi.customers import activities
from guanxi.customers.filtersets import dealers_within_reach
from guanxi.customers.identity import may_identify
from guanxi.customers.models import (
    Activity,
    ActivityKind,
    Channel,
    Consent,
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
from guanxi.customers.services import referrers_in_sight

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
MOMENT = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class CustomerForm(forms.ModelForm):
    """A new customer also takes a mobile number and an e-mail address (more on the 360 page)."""

    national_id = forms.CharField(
        label=_("ID number"), required=False, max_length=24,
        help_text=_("Stored only as a keyed hash and a mask; leave empty to keep the current one."),
    )
    phone = forms.CharField(label=_("Mobile number"), required=False, max_length=40)
    email = forms.CharField(label=_("E-mail"), required=False, max_length=254)
    # typed, not picked: a list of every customer would not fit a page
    referred_by = forms.IntegerField(
        label=_("Referred by (customer number)"), required=False, min_value=1,
        help_text=_("The number on the 360 page of the customer who sent them."),
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
        if self.instance.pk:  # contact points are changed on the 360 page, one by one
            del self.fields["phone"], self.fields["email"]
            if self.instance.referred_by_id is None or referrers_in_sight(user).filter(
                    pk=self.instance.referred_by_id).exists():
                self.initial.setdefault("referred_by", self.instance.referred_by_id)
            else:  # a referrer out of the user's sight or erased: neither shown nor changed here
                del self.fields["referred_by"]

    def service_data(self) -> dict:
        """What the customer services take: the model's fields, the dealer by id, the ID number."""
        data = {name: value for name, value in self.cleaned_data.items() if name in self.Meta.fields}
        data["home_dealer_id"] = data.pop("home_dealer").pk if data.get("home_dealer") else None
        if "referred_by" in self.fields:
            data["referred_by_id"] = self.cleaned_data.get("referred_by")
        if self.cleaned_data.get("national_id"):
            data["national_id"] = self.cleaned_data["national_id"]
        return data

    CONTACT_FIELDS = {ContactKind.PHONE: "phone", ContactKind.EMAIL: "email"}

    def contacts(self) -> list[dict]:
        """The new customer's contact points, for services.create_customer."""
        given = {kind: self.cleaned_data.get(field) for kind, field in self.CONTACT_FIELDS.items()}
        return [{"kind": kind, "value": value, "is_primary": True} for kind, value in given.items() if value]

    def beside_contact_fields(self, error: ValidationError) -> ValidationError:
        """The service names a contact point's error "contacts[0].value": it belongs beside its field."""
        fields = [self.CONTACT_FIELDS[contact["kind"]] for contact in self.contacts()]
        named = {}
        for key, messages in error.message_dict.items():
            position = re.match(r"contacts\[(\d+)\]", key)
            named[fields[int(position.group(1))] if position else key] = messages
        return ValidationError(named)


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
    stage_reason = forms.CharField(label=_("Reason for the stage change"), max_length=500, required=False,
                                   help_text=_("Needed when the stage changes; kept in each customer's stage history."))
    segment = forms.ChoiceField(label=_("Segment"), choices=_unchanged(Segment.choices), required=False)
    home_dealer = forms.ModelChoiceField(label=_("Home dealer"), queryset=OrgUnit.objects.none(), required=False,
                                         empty_label=_("(unchanged)"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["home_dealer"].queryset = dealers_within_reach(user, "change")

    def clean(self):
        data = super().clean()
        if data.get("lifecycle_stage") and not (data.get("stage_reason") or "").strip():
            self.add_error("stage_reason", _("Say why the stage changes."))
        return data


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


class CustomerStageForm(UserModelForm):
    """Moving a customer along the lifecycle says why: the reason stays in the stage history."""

    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("For example: test drive booked, bought elsewhere, moved away."))

    class Meta:
        model = Customer
        fields = ("lifecycle_stage",)

    def clean_lifecycle_stage(self):
        stage = self.cleaned_data["lifecycle_stage"]
        if stage == Customer.objects.filter(pk=self.instance.pk).values_list("lifecycle_stage", flat=True).first():
            raise ValidationError(_("The customer is at this stage already."))
        return stage

    def service_data(self) -> dict:
        return {"lifecycle_stage": self.cleaned_data["lifecycle_stage"], "stage_reason": self.cleaned_data["reason"]}


class CustomerTierForm(UserModelForm):
    class Meta:
        model = Customer
        fields = ("tier",)

    def service_data(self) -> dict:
        return {"tier": self.cleaned_data["tier"]}


class ContactPointForm(UserModelForm):
    class Meta:
        model = ContactPoint
        fields = ("kind", "value", "is_primary", "opted_out", "province", "city", "district")


class ConsentForm(UserModelForm):
    class Meta:
        model = Consent
        fields = ("channel", "purpose", "granted", "how")


class InteractionForm(UserModelForm):
    """An entry of the timeline; a new one may carry a follow-up (an activity for the user)."""

    occurred_at = forms.DateTimeField(label=_("When"), required=False, help_text=_("Leave empty for now."),
                                      widget=MOMENT)
    follow_up = forms.CharField(label=_("Follow-up"), required=False, max_length=200,
                                help_text=_("What to do next, e.g. \"send the quote\": it goes to My day."))
    follow_up_due = forms.DateTimeField(label=_("Follow up by"), required=False, widget=MOMENT,
                                        help_text=_("Leave empty for tomorrow at 10:00."))

    class Meta:
        model = Interaction
        fields = ("channel", "direction", "subject", "summary", "occurred_at")
        widgets = {"summary": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        if self.instance.pk:  # correcting an entry: its follow-ups are activities of their own
            del self.fields["follow_up"], self.fields["follow_up_due"]

    def clean(self):
        data = super().clean()
        due = data.get("follow_up_due")
        if due and due <= timezone.now():
            self.add_error("follow_up_due", _("A follow-up is due later than now."))
        elif due and not data.get("follow_up"):
            self.add_error("follow_up", _("Say what to do by then."))
        return data

    def follow_up_data(self) -> dict | None:
        """The follow-up activity to schedule, or None."""
        if not self.cleaned_data.get("follow_up"):
            return None
        kind = ActivityKind.VISIT if self.cleaned_data["channel"] == Channel.VISIT else ActivityKind.CALL
        return {"kind": kind, "summary": self.cleaned_data["follow_up"],
                "due_at": self.cleaned_data.get("follow_up_due") or tomorrow_morning()}


def tomorrow_morning() -> dt.datetime:
    """Tomorrow at 10:00 in the current time zone: when a follow-up is due unless told otherwise."""
    return timezone.make_aware(dt.datetime.combine(timezone.localdate() + dt.timedelta(days=1), dt.time(10)))


class ActivityForm(UserModelForm):
    class Meta:
        model = Activity
        fields = ("kind", "summary", "due_at", "assignee", "important", "urgent", "note")
        widgets = {"due_at": MOMENT, "note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        people = Q(pk__in=activities.colleagues(user).values("pk")) | Q(pk=self.instance.assignee_id)
        self.fields["assignee"].queryset = User.objects.filter(people).order_by("username")
        self.fields["assignee"].required = False
        self.fields["assignee"].empty_label = _("(me)")
        if not self.instance.pk:
            self.initial.setdefault("due_at", tomorrow_morning())


class ConsentChangeForm(UserModelForm):
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


class VehicleRegistrationForm(UserModelForm):
    """A car registered to a customer: a new VIN, or one already known that changes hands."""

    vin = forms.CharField(label=_("VIN"), max_length=20)

    class Meta:
        model = Vehicle
        fields = ("vin", "model", "model_year", "plate", "purchase_date", "warranty_end", "mileage_km", "price")
        widgets = {"purchase_date": DATE, "warranty_end": DATE}

    def validate_unique(self):
        """A known VIN is a transfer, not a duplicate: the service decides (and checks the scope)."""
