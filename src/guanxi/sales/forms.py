"""Forms of the sales pages. The rules live in the services; a form shapes the input and offers
what the user may pick."""

import time

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from guanxi.core.forms import UserModelForm
from guanxi.core.models import OrgUnit, OrgUnitKind
from guanxi.core.scoping import units_within_reach
from guanxi.sales.models import (
    FEEDBACK_STATUS,
    DealerDesk,
    DistributionRule,
    Lead,
    LeadEventKind,
    LostReason,
    Opportunity,
    OpportunityStage,
    Price,
    PriceList,
    Product,
    ProductKind,
    Quote,
    QuoteStatus,
    SalesTarget,
    StageProbability,
    Timeframe,
)

INTEREST = ("source", "model", "trim", "budget", "payment", "timeframe", "province", "city", "note")
CHANGEABLE = ("model", "trim", "budget", "payment", "timeframe", "verification", "province", "city", "note")
TEXTAREA = forms.Textarea(attrs={"rows": 3})


def dealers():
    return OrgUnit.objects.filter(kind=OrgUnitKind.DEALER).order_by("code")


def offer_catalog_models(form) -> None:
    """Once the catalog lists car models, the form's model field offers them (the services refuse
    any other name); a name kept from before stays on offer for the record that has it."""
    names = list(Product.objects.filter(kind=ProductKind.MODEL, active=True).order_by("name")
                 .values_list("name", flat=True))
    if not names:
        return
    current = form.initial.get("model") or getattr(getattr(form, "instance", None), "model", "")
    if current and current not in names:
        names.append(current)
    form.fields["model"].widget = forms.Select(choices=[("", "---------"), *((name, name) for name in names)])


class LeadForm(forms.ModelForm):
    """A new lead: who (a phone or an email finds a known customer) and what they are interested
    in; head office may name the dealer, else the rules choose."""

    name = forms.CharField(label=_("name"), max_length=200, required=False)
    phone = forms.CharField(label=_("Mobile number"), max_length=40, required=False)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    dealer = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), required=False, label=_("dealer"),
                                    help_text=_("Leave empty: the distribution rules choose."))

    class Meta:
        model = Lead
        fields = INTEREST
        widgets = {"note": TEXTAREA}

    def __init__(self, *args, user, customer=None, **kwargs):
        super().__init__(*args, **kwargs)
        offer_catalog_models(self)
        self.customer = customer
        if customer is not None:
            del self.fields["name"], self.fields["phone"], self.fields["email"]
        offered = units_within_reach(dealers(), user, Lead.permission_key, "add")
        if offered.count() == 1:
            del self.fields["dealer"]  # a dealer's own people capture for their dealer
        else:
            self.fields["dealer"].queryset = offered

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        dealer = data.pop("dealer", None)
        data["dealer_id"] = dealer.pk if dealer else None
        if self.customer is not None:
            data["customer_id"] = self.customer.pk
        return data


class LeadChangeForm(UserModelForm):
    class Meta:
        model = Lead
        fields = CHANGEABLE
        widgets = {"note": TEXTAREA}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offer_catalog_models(self)


class AssignForm(forms.Form):
    title = _("Hand to a dealer")
    dealer = forms.ModelChoiceField(queryset=dealers(), required=False, label=_("dealer"),
                                    help_text=_("Leave empty: the distribution rules choose another dealer."))


class AcceptForm(forms.Form):
    """Nothing to fill in: the button is the answer."""

    title = _("Accept the lead")


class RejectForm(forms.Form):
    title = _("Give the lead back")
    reason = forms.CharField(label=_("why"), max_length=500)


class ReportForm(forms.Form):
    title = _("Report back")
    primary = True  # the usual next step: the page's main button
    kind = forms.ChoiceField(label=_("what happened"),
                             choices=[(kind, LeadEventKind(kind).label) for kind in FEEDBACK_STATUS])
    reason = forms.ModelChoiceField(queryset=LostReason.objects.filter(active=True), required=False,
                                    label=_("lost because"))
    note = forms.CharField(label=_("note"), max_length=500, required=False)


class ReopenForm(forms.Form):
    title = _("Reopen")
    note = forms.CharField(label=_("note"), max_length=500, required=False)


class DistributionRuleForm(UserModelForm):
    class Meta:
        model = DistributionRule
        fields = ("priority", "province", "city", "model", "timeframe", "dealer", "active")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["dealer"].queryset = dealers()


class LostReasonForm(UserModelForm):
    class Meta:
        model = LostReason
        fields = ("code", "name", "name_en", "active")
        help_texts = {"active": _("A reason no longer in use is not offered; leads lost for it keep it.")}


class DealerDeskForm(UserModelForm):
    class Meta:
        model = DealerDesk
        fields = ("accepts_leads", "capacity", "opens_at", "closes_at", "working_days")
        widgets = {"opens_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
                   "closes_at": forms.TimeInput(attrs={"type": "time"}, format="%H:%M")}


# --- the public web form -------------------------------------------------------------------------

QUICKEST_HUMAN_SECONDS = 3  # nobody reads and fills the form faster; scripts do
FORM_VALID_SECONDS = 24 * 3600
STAMP_SALT = "guanxi.sales.enquiry"


class EnquiryForm(forms.Form):
    """A prospect asks to be called about a car. Spam is kept out without any outside service: a
    field people do not see (`website`) must stay empty, and the form carries a signed time, so
    that a submission within seconds of opening it, or of a form never opened, is refused."""

    name = forms.CharField(label=_("Your name"), max_length=200)
    phone = forms.CharField(label=_("Mobile number"), max_length=40)
    email = forms.CharField(label=_("E-mail"), max_length=254, required=False)
    model = forms.CharField(label=_("Which model?"), max_length=80)
    timeframe = forms.ChoiceField(label=_("When do you plan to buy?"), choices=Timeframe.choices)
    province = forms.CharField(label=_("province"), max_length=40, required=False)
    city = forms.CharField(label=_("city"), max_length=40, required=False)
    note = forms.CharField(label=_("Anything we should know?"), max_length=2000, required=False, widget=TEXTAREA)
    consent = forms.BooleanField(label=_("A dealer may call or e-mail me about this enquiry."))
    website = forms.CharField(required=False, label=_("Leave this empty"),
                              widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}))
    stamp = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offer_catalog_models(self)
        if not self.is_bound:
            self.initial["stamp"] = signing.dumps(time.time(), salt=STAMP_SALT)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("website"):
            raise ValidationError(_("This enquiry looks automated and was not sent."))
        try:
            opened = signing.loads(cleaned.get("stamp") or "", salt=STAMP_SALT, max_age=FORM_VALID_SECONDS)
        except signing.BadSignature:
            raise ValidationError(_("The form has expired: reload the page and send it again.")) from None
        if time.time() - float(opened) < QUICKEST_HUMAN_SECONDS:
            raise ValidationError(_("This enquiry looks automated and was not sent."))
        return cleaned


class OpportunityForm(UserModelForm):
    """A new deal (for a customer chosen on its 360 page, or from a lead) or its figures."""

    dealer = forms.ModelChoiceField(queryset=OrgUnit.objects.none(), required=False, label=_("dealer"))

    class Meta:
        model = Opportunity
        fields = ("name", "model", "amount", "probability", "expected_close")
        widgets = {"expected_close": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, customer=None, lead=None, **kwargs):
        super().__init__(*args, **kwargs)
        offer_catalog_models(self)
        self.customer, self.lead = customer, lead
        self.fields["name"].required = False
        offered = units_within_reach(dealers(), self.user, Opportunity.permission_key, "add")
        if self.instance.pk or lead is not None or offered.count() == 1:
            del self.fields["dealer"]  # a deal stays with its dealer; a lead's goes to the lead's
        else:
            self.fields["dealer"].queryset = offered

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        dealer = data.pop("dealer", None)
        data["dealer_id"] = dealer.pk if dealer else None
        data["customer_id"] = self.customer.pk if self.customer else self.lead.customer_id
        data["lead_id"] = self.lead.pk if self.lead else None
        return data


class MoveForm(forms.Form):
    title = _("Move to another stage")
    primary = True  # the usual next step: the page's main button
    stage = forms.ChoiceField(label=_("to stage"), choices=OpportunityStage.choices)
    reason = forms.ModelChoiceField(queryset=LostReason.objects.filter(active=True), required=False,
                                    label=_("lost because"))
    note = forms.CharField(label=_("note"), max_length=500, required=False)


class StageProbabilityForm(UserModelForm):
    class Meta:
        model = StageProbability
        fields = ("probability",)


class ProductForm(UserModelForm):
    class Meta:
        model = Product
        fields = ("code", "name", "kind", "model", "active")

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        model = data.pop("model", None)
        return {**data, "model_id": model.pk if model else None}


class PriceListForm(UserModelForm):
    class Meta:
        model = PriceList
        fields = ("name", "valid_from", "valid_until")
        widgets = {"valid_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "valid_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class PriceForm(UserModelForm):
    class Meta:
        model = Price
        fields = ("product", "amount")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(active=True)


class QuoteForm(UserModelForm):
    """A quote's first line (more are added on its page), its discount on the whole and validity."""

    product = forms.ModelChoiceField(queryset=Product.objects.none(), label=_("product"))
    quantity = forms.IntegerField(label=_("quantity"), min_value=1, max_value=999, initial=1)
    line_discount = forms.DecimalField(label=_("discount on the product (%)"), min_value=0, max_value=100,
                                       decimal_places=2, initial=0)

    class Meta:
        model = Quote
        fields = ("discount_percent", "valid_until", "note")
        widgets = {"valid_until": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), "note": TEXTAREA}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["valid_until"].required = False
        self.fields["product"].queryset = Product.objects.filter(active=True, prices__isnull=False).distinct()

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        line = {"product_id": data.pop("product").pk, "quantity": data.pop("quantity"),
                "discount_percent": data.pop("line_discount")}
        return {**data, "lines": [line]}


class QuoteLineForm(forms.Form):
    """Another product on a quote not yet sent (an accessory, a package, insurance …)."""

    title = _("Add a product")
    product = forms.ModelChoiceField(queryset=Product.objects.none(), label=_("product"))
    quantity = forms.IntegerField(label=_("quantity"), min_value=1, max_value=999, initial=1)
    discount_percent = forms.DecimalField(label=_("discount on the product (%)"), min_value=0, max_value=100,
                                          decimal_places=2, initial=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = Product.objects.filter(active=True, prices__isnull=False).distinct()


class ApproveForm(forms.Form):
    title = _("Approve the discount")


class AnswerForm(forms.Form):
    title = _("The customer's answer")

    status = forms.ChoiceField(label=_("status"), choices=[(status, QuoteStatus(status).label) for status in
                                                           (QuoteStatus.SENT, QuoteStatus.ACCEPTED,
                                                            QuoteStatus.DECLINED)])


class PlaceOrderForm(forms.Form):
    title = _("Place the order")
    primary = True  # the usual next step: the page's main button


class ContractForm(forms.Form):
    title = _("Sign the contract")
    primary = True  # the usual next step: the page's main button

    contract_number = forms.CharField(label=_("contract number"), max_length=40)


class AllocateForm(forms.Form):
    title = _("Allocate a car")

    vin = forms.CharField(label=_("VIN"), max_length=40)


class ShipForm(forms.Form):
    title = _("Shipped to the dealer")


class ArriveForm(forms.Form):
    title = _("Arrived at the dealer")


class DeliverForm(forms.Form):
    title = _("Deliver to the customer")
    primary = True  # the usual next step: the page's main button

    plate = forms.CharField(label=_("plate"), max_length=20, required=False)


class CancelForm(forms.Form):
    title = _("Cancel the order")

    reason = forms.CharField(label=_("why"), max_length=500)


class SalesTargetForm(UserModelForm):
    class Meta:
        model = SalesTarget
        fields = ("region", "month", "amount")
        widgets = {"month": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        regions = OrgUnit.objects.filter(kind=OrgUnitKind.REGION).order_by("code")
        self.fields["region"].queryset = units_within_reach(regions, self.user, SalesTarget.permission_key, "change")
