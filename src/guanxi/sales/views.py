"""Sales pages: leads (list, capture, one lead with its way and the dealer's actions), the
distribution rules, the dealers' desks, and the public enquiry form. Thin: the rules are in
capture, assignment and leads."""

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from guanxi.core.generic import (
    ObjectDeleteView,
    ObjectEditView,
    ObjectListView,
    ObjectView,
    StepView,
    form_errors_from,
)
from guanxi.core.limits import RateLimited
from guanxi.core.scoping import may
from guanxi.customers.services import get_customer
from guanxi.customers.views import ChildOfCustomer
from guanxi.sales import assignment, capture, leads
from guanxi.sales.filtersets import DistributionRuleFilterSet, LeadFilterSet
from guanxi.sales.forms import (
    AcceptForm,
    AssignForm,
    DealerDeskForm,
    DistributionRuleForm,
    EnquiryForm,
    LeadChangeForm,
    LeadForm,
    LostReasonForm,
    RejectForm,
    ReopenForm,
    ReportForm,
)
from guanxi.sales.models import DealerDesk, DistributionRule, Lead, LeadStatus, LostReason, Opportunity
from guanxi.sales.tables import DealerDeskTable, DistributionRuleTable, LeadTable, LostReasonTable
from guanxi.sales.wording import reasons_in_words


class LeadListView(ObjectListView):
    model = Lead
    table_class = LeadTable
    filterset_class = LeadFilterSet
    title = _("Leads")
    add_url_name = "sales:lead_add"
    export_key = "leads"

    @staticmethod
    def queryset(rows):
        return rows.select_related("customer", "dealer").order_by("-id")


class LeadView(ObjectView):
    model = Lead
    template_name = "sales/lead_detail.html"
    fields = ("customer", "model", "trim", "budget", "payment", "timeframe", "source", "verification", "repurchase",
              "province", "city", "note", "dealer", "status", "lost_reason", "accept_by", "contact_by",
              "created_at")
    edit_url_name = "sales:lead_edit"

    def context(self, user, obj, bound: dict | None = None):
        offered = LeadStepView.offered(user, obj, bound)
        if "report" in offered and obj.dealer_id is None:
            del offered["report"]
        return {"events": obj.events.select_related("user", "dealer", "reason"), "actions": offered,
                "why_dealer": reasons_in_words(obj.why_dealer),
                "may_open_deal": obj.dealer_id is not None and may(user, Opportunity.permission_key, "add")}


class LeadStepView(StepView):
    """Accept, give back, report, reopen, (head office) hand to a dealer."""

    model = Lead
    detail_view = LeadView
    actions = {
        "accept": (AcceptForm, "change", (LeadStatus.ASSIGNED,)),
        "report": (ReportForm, "change", (LeadStatus.ASSIGNED, LeadStatus.ACCEPTED, LeadStatus.CONTACTED,
                                          LeadStatus.QUALIFIED)),
        "reject": (RejectForm, "change", (LeadStatus.ASSIGNED, LeadStatus.ACCEPTED)),
        "reopen": (ReopenForm, "change", (LeadStatus.LOST,)),
        "assign": (AssignForm, "assign", (LeadStatus.NEW, LeadStatus.ASSIGNED, LeadStatus.ACCEPTED)),
    }

    def act(self, user, pk, action, data):
        if action == "accept":
            leads.accept(user, pk)
        elif action == "reject":
            leads.reject(user, pk, data["reason"])
        elif action == "report":
            reason = data.get("reason")
            leads.report(user, pk, data["kind"], data.get("note", ""), reason.pk if reason else None)
        elif action == "reopen":
            leads.reopen(user, pk, data.get("note", ""))
        else:
            dealer = data.get("dealer")
            assignment.assign(user, pk, dealer.pk if dealer else None)


class LeadAddView(ObjectEditView):
    """Captures a lead: the hotline agent types the caller's number, the lead goes to a dealer."""

    model = Lead
    form_class = LeadForm
    created_action = "view"  # the hotline captures and hands over; the dealer works the lead

    def save(self, user, form):
        return capture.capture_lead(user, form.service_data())


class CustomerLeadAddView(ChildOfCustomer, LeadAddView):
    """A lead for a customer on the 360 page (an owner asking about a new car)."""

    customer_action = "view"

    def check_may_add(self, request):
        LeadAddView.check_may_add(self, request)
        super().check_may_add(request)

    def _form(self, request, instance, data=None):
        customer = get_customer(request.user, self.kwargs["customer_pk"])
        return self.form_class(data, instance=instance, user=request.user, customer=customer)


class LeadEditView(ObjectEditView):
    model = Lead
    form_class = LeadChangeForm

    def save(self, user, form):
        return leads.update_lead(user, form.instance.pk, form.cleaned_data)


class RuleListView(ObjectListView):
    model = DistributionRule
    table_class = DistributionRuleTable
    filterset_class = DistributionRuleFilterSet
    title = _("Distribution rules")
    add_url_name = "sales:rule_add"

    @staticmethod
    def queryset(rows):
        return rows.select_related("dealer")


class RuleEditView(ObjectEditView):
    model = DistributionRule
    form_class = DistributionRuleForm


class RuleDeleteView(ObjectDeleteView):
    model = DistributionRule


class ReasonListView(ObjectListView):
    model = LostReason
    table_class = LostReasonTable
    title = _("Lost reasons")
    add_url_name = "sales:reason_add"


class ReasonEditView(ObjectEditView):
    model = LostReason
    form_class = LostReasonForm


class DeskListView(ObjectListView):
    model = DealerDesk
    table_class = DealerDeskTable
    title = _("Dealer sales desks")

    @staticmethod
    def queryset(rows):
        return rows.select_related("dealer").order_by("dealer__code")


class DeskEditView(ObjectEditView):
    model = DealerDesk
    form_class = DealerDeskForm

    def saved_url(self, saved) -> str:
        return reverse("sales:desks")


def enquiry(request):
    """The public web form: no sign-in; what it makes is a web lead handed to a dealer."""
    form = EnquiryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            capture.web_enquiry(form.cleaned_data, request.META.get("REMOTE_ADDR", ""))
        except RateLimited as refusal:
            form.add_error(None, str(refusal))
            return render(request, "sales/enquiry.html", {"form": form}, status=RateLimited.status_code)
        except ValidationError as error:
            form_errors_from(form, error)
        else:
            return render(request, "sales/enquiry_sent.html")
    status = 422 if form.is_bound else 200
    return render(request, "sales/enquiry.html", {"form": form}, status=status)
