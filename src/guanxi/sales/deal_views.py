"""Opportunity pages (list, one deal with its stage history and the move to another stage, new
deal from a customer or a lead, edit), the funnel and forecast, head office's stage probabilities,
and the dealer league. Thin: the rules are in sales.opportunities and sales.funnel."""


from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.contenttypes.models import ContentType
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views import View

from guanxi.core.formatting import money
from guanxi.core.generic import ObjectEditView, ObjectListView, ObjectView, StepView
from guanxi.core.scoping import get_restricted, may, require
from guanxi.customers import activities
from guanxi.customers.activity_views import ActivityEditView
from guanxi.customers.models import Activity, ActivityState, default_currency
from guanxi.customers.services import get_customer
from guanxi.sales import funnel, league, opportunities
from guanxi.sales.filtersets import LeagueFilterSet, OpportunityFilterSet
from guanxi.sales.forms import MoveForm, OpportunityForm, ReopenForm, SalesTargetForm, StageProbabilityForm
from guanxi.sales.models import (
    CLOSED_STAGES,
    FUNNEL_STAGES,
    OPEN_STATUSES,
    Lead,
    LeadStatus,
    Opportunity,
    OpportunityStage,
    Quote,
    SalesTarget,
    StageProbability,
)
from guanxi.sales.tables import OpportunityTable, SalesTargetTable, StageProbabilityTable


class OpportunityListView(ObjectListView):
    model = Opportunity
    table_class = OpportunityTable
    filterset_class = OpportunityFilterSet
    title = _("Opportunities")
    export_key = "opportunities"

    @staticmethod
    def queryset(rows):
        return rows.select_related("customer", "dealer", "owner").order_by("-id")


class OpportunityView(ObjectView):
    model = Opportunity
    template_name = "sales/opportunity_detail.html"
    fields = ("customer", "dealer", "owner", "model", "amount", "stage", "probability", "expected_close",
              "lost_reason", "lead", "stage_since", "created_at")
    edit_url_name = "sales:opportunity_edit"

    def context(self, user, obj, bound: dict | None = None):
        actions = OpportunityStepView.offered(user, obj, bound)
        if "move" in actions and not actions["move"].is_bound and obj.stage in FUNNEL_STAGES:
            following = (*FUNNEL_STAGES, OpportunityStage.WON)
            actions["move"].initial["stage"] = following[following.index(obj.stage) + 1]  # the usual next step
        return {"steps": obj.steps.select_related("user"), "actions": actions, "activities": deal_activities(user, obj),
                "may_plan": obj.is_open and may(user, Activity.permission_key, "add"),
                "quotes": obj.quotes.restrict(user).order_by("-id") if may(user, Quote.permission_key, "view") else [],
                "may_quote": obj.is_open and may(user, Quote.permission_key, "add")}


def deal_activities(user, deal) -> list[Activity]:
    """The open calls, visits and test drives planned for the deal that the user may see."""
    kind = ContentType.objects.get_for_model(Opportunity)
    return list(Activity.objects.restrict(user).filter(link_type=kind, link_id=deal.pk, state=ActivityState.OPEN)
                .select_related("assignee").order_by("due_at", "pk"))


class DealActivityAddView(ActivityEditView):
    """A call, visit or test drive planned for the deal, about its customer."""

    def check_may_add(self, request):
        super().check_may_add(request)
        get_restricted(request.user, Opportunity, self.kwargs["opportunity_pk"], "change")

    def save(self, user, form):
        deal = get_restricted(user, Opportunity, self.kwargs["opportunity_pk"], "change")
        return activities.schedule_activity(user, {**form.cleaned_data}, customer_pk=deal.customer_id, link=deal)

    def saved_url(self, saved) -> str:
        return reverse("sales:opportunity", args=[self.kwargs["opportunity_pk"]])


class OpportunityStepView(StepView):
    """Move the deal to another stage, or reopen a lost one."""

    model = Opportunity
    detail_view = OpportunityView
    state_field = "stage"
    actions = {
        "move": (MoveForm, "change", (*FUNNEL_STAGES,)),
        "reopen": (ReopenForm, "change", (OpportunityStage.LOST,)),
    }

    def act(self, user, pk, action, data):
        if action == "move":
            reason = data.get("reason")
            opportunities.move(user, pk, data["stage"], data.get("note", ""), reason.pk if reason else None)
        else:
            opportunities.reopen(user, pk, data.get("note", ""))


class OpportunityAddView(ObjectEditView):
    """A new deal for a customer (from its 360 page) or from a lead (from the lead's page)."""

    model = Opportunity
    form_class = OpportunityForm

    def check_may_add(self, request):
        super().check_may_add(request)
        self._parent(request)

    def _parent(self, request) -> dict:
        if "lead_pk" in self.kwargs:
            return {"lead": get_restricted(request.user, Lead, self.kwargs["lead_pk"], "change")}
        return {"customer": get_customer(request.user, self.kwargs["customer_pk"], "view")}

    def _form(self, request, instance, data=None):
        return self.form_class(data, instance=instance, user=request.user, **self._parent(request))

    def save(self, user, form):
        return opportunities.open_opportunity(user, form.service_data())


class OpportunityEditView(ObjectEditView):
    model = Opportunity
    form_class = OpportunityForm

    def save(self, user, form):
        return opportunities.update_opportunity(user, form.instance.pk, form.cleaned_data)


class FunnelView(LoginRequiredMixin, View):
    """The funnel and forecast of the deals the user may see, with the list's filters."""

    def get(self, request):
        require(request.user, Opportunity.permission_key, "view")
        rows = Opportunity.objects.restrict(request.user, "view")
        filterset = OpportunityFilterSet(request.GET or None, queryset=rows, request=request)
        stages = funnel.funnel_for(request.user, filterset)
        currency = default_currency()
        chart = {"stages": [row.label for row in stages if row.stage not in CLOSED_STAGES],
                 "counts": [row.count for row in stages if row.stage not in CLOSED_STAGES],
                 "amounts": [float(row.amount) for row in stages if row.stage not in CLOSED_STAGES],
                 "names": {"count": str(_("deals")), "amount": str(_("amount"))}}
        month = funnel.month_asked(request.GET.get("month"))
        targets = funnel.against_targets(rows, SalesTarget.objects.restrict(request.user), month)
        context = {"filter": filterset, "rows": stages, "forecast": money(funnel.forecast(stages), currency),
                   "currency": currency, "chart": chart, "month": month, "targets": targets}
        return render(request, "sales/funnel.html", context)


class TargetListView(ObjectListView):
    model = SalesTarget
    table_class = SalesTargetTable
    title = _("Sales targets")
    add_url_name = "sales:target_add"

    @staticmethod
    def queryset(rows):
        return rows.select_related("region")


class TargetEditView(ObjectEditView):
    model = SalesTarget
    form_class = SalesTargetForm


class StageProbabilityListView(ObjectListView):
    model = StageProbability
    table_class = StageProbabilityTable
    title = _("Stage probabilities")


class StageProbabilityEditView(ObjectEditView):
    model = StageProbability
    form_class = StageProbabilityForm

    def saved_url(self, saved) -> str:
        return reverse("sales:stages")


class LeagueView(LoginRequiredMixin, View):
    """The dealers' follow-up of the leads handed to them, and how old the open leads are."""

    def get(self, request):
        require(request.user, Lead.permission_key, "view")
        leads = Lead.objects.restrict(request.user, "view")
        filterset = LeagueFilterSet(request.GET or None, queryset=leads, request=request)
        ages = league.ageing(leads)
        chart = {"bands": [_age_label(row["days"]) for row in ages],
                 "series": [{"name": str(LeadStatus(status).label), "data": [row["counts"][i] for row in ages]}
                            for i, status in enumerate(OPEN_STATUSES)]}
        return render(request, "sales/league.html", {"filter": filterset, "rows": league.league(filterset.qs),
                                                      "ageing": ages, "statuses": [LeadStatus(s).label for s in
                                                                                   OPEN_STATUSES],
                                                      "chart": chart})


def _age_label(days) -> str:
    low, high = days
    return _("over %(days)s days") % {"days": low} if high is None else _("%(low)s–%(high)s days") % {
        "low": low, "high": high}
