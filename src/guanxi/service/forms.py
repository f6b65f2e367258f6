"""Forms of the ticket pages. The rules live in service.tickets; a form shapes the input and offers
what the user may pick (the customer's cars, the units and people within reach)."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from guanxi.core.forms import UserModelForm
from guanxi.core.models import OrgUnit, User
from guanxi.core.scoping import units_within_reach
from guanxi.customers.models import Vehicle
from guanxi.service.models import SlaTarget, SupportHours, Ticket

TEXTAREA = forms.Textarea(attrs={"rows": 4})


def _customers_cars(customer):
    return Vehicle.objects.filter(ownerships__customer=customer, ownerships__end_date__isnull=True).order_by("vin")


class BoundedFileField(forms.FileField):
    """An attachment no larger than the uploads' limit (GUANXI_MAX_UPLOAD_MB)."""

    def clean(self, data, initial=None):
        found = super().clean(data, initial)
        if found and found.size > settings.GUANXI_MAX_UPLOAD_BYTES:
            raise ValidationError(_("The file is larger than %(mb)d MB.") % {
                "mb": settings.GUANXI_MAX_UPLOAD_BYTES // 2**20})
        return found


class TicketForm(UserModelForm):
    """A new ticket on a customer: what happened, about which car, who is responsible."""

    vehicle = forms.ModelChoiceField(queryset=Vehicle.objects.none(), required=False, label=_("vehicle"))
    org_unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), required=False, label=_("responsible unit"),
                                      help_text=_("Leave empty: the station servicing the car for car work, "
                                                  "else your own unit."))

    class Meta:
        model = Ticket
        fields = ("kind", "channel", "priority", "subject", "description")
        widgets = {"description": TEXTAREA}

    def __init__(self, *args, user, customer=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.customer = customer
        self.fields["vehicle"].queryset = _customers_cars(customer) if customer else Vehicle.objects.none()
        self.fields["org_unit"].queryset = units_within_reach(
            OrgUnit.objects.order_by("path"), user, Ticket.permission_key, "assign")
        if not self.fields["org_unit"].queryset.exists():
            del self.fields["org_unit"]

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        vehicle, unit = data.pop("vehicle", None), data.pop("org_unit", None)
        return {**data, "customer_id": self.customer.pk, "vehicle_id": vehicle.pk if vehicle else None,
                "org_unit_id": unit.pk if unit else None}


class TicketChangeForm(UserModelForm):
    class Meta:
        model = Ticket
        fields = ("subject", "description", "priority", "vehicle")
        widgets = {"description": TEXTAREA}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vehicle"].queryset = _customers_cars(self.instance.customer_id)


class TakeForm(forms.Form):
    """Nothing to fill in: the button is the answer."""

    title = _("Take the ticket")


class AssignForm(forms.Form):
    """Offers the units the user hands tickets to and the people working there (not the network's
    whole staff)."""

    title = _("Hand over")
    needs_user = True
    org_unit = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), label=_("responsible unit"))
    assignee = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label=_("assignee"))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        units = units_within_reach(OrgUnit.objects.order_by("path"), user, Ticket.permission_key, "assign")
        self.fields["org_unit"].queryset = units
        self.fields["assignee"].queryset = User.objects.filter(
            is_active=True, memberships__org_unit__in=units, memberships__role__permissions__codename="change_ticket",
        ).distinct().order_by("username")


class ReplyForm(forms.Form):
    title = _("Answer the customer")
    primary = True
    body = forms.CharField(label=_("answer"), widget=TEXTAREA, max_length=5000)
    attachment = BoundedFileField(label=_("attachment"), required=False)
    wait = forms.BooleanField(label=_("wait for the customer's answer"), required=False,
                              help_text=_("The resolution clock pauses until the customer answers."))


class NoteForm(forms.Form):
    title = _("Internal note")
    body = forms.CharField(label=_("note"), widget=TEXTAREA, max_length=5000, required=False)
    attachment = BoundedFileField(label=_("attachment"), required=False)


class ResumeForm(forms.Form):
    title = _("The customer answered")
    body = forms.CharField(label=_("what they said"), max_length=2000, required=False)


class ResolveForm(forms.Form):
    title = _("Resolve")
    resolution = forms.CharField(label=_("resolution"), widget=TEXTAREA, max_length=5000)


class CloseForm(forms.Form):
    title = _("Close")


class ReopenForm(forms.Form):
    title = _("Reopen")
    reason = forms.CharField(label=_("why"), max_length=500)


class SlaTargetForm(UserModelForm):
    class Meta:
        model = SlaTarget
        fields = ("kind", "tier", "first_response_minutes", "resolution_minutes", "around_the_clock")


class SupportHoursForm(UserModelForm):
    class Meta:
        model = SupportHours
        fields = ("org_unit", "opens", "closes", "working_days", "observes_public_holidays")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["org_unit"].queryset = units_within_reach(
            OrgUnit.objects.order_by("path"), self.user, SupportHours.permission_key, "change")


class LinkArticleForm(forms.Form):
    """A suggested article's Link button posts its id."""

    title = _("Link the article")
    article = forms.IntegerField(widget=forms.HiddenInput)
