"""Contact-center pages: staffing, and the routing policy's editor. Thin: parse the form, call one service,
render."""

import datetime as dt
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from guanxi.contact_center import ivr, planning, services, staffing_plans
from guanxi.contact_center.forms import (
    IvrMenuForm,
    PolicyForm,
    SavePlanForm,
    StaffingForm,
    initial_data,
    policy_initial,
)
from guanxi.contact_center.policies import TIERS
from guanxi.core.generic import form_errors_from
from guanxi.core.scoping import may, require


@login_required
def staffing(request):
    """Agents needed per interval. A GET form (the figures are computed, nothing is stored), so a plan
    is a link a supervisor can share; the first visit shows the sample day already computed. A POST saves
    the plan the query string describes as a day's plan (staffing_plans), for the figures page to compare
    the day with (supervisors and administrators).

    Roles without the "staffing" permission get 403 (and never see the menu entry).
    """
    require(request.user, "contact_center.staffing", "view")
    form = StaffingForm(request.GET if "volumes" in request.GET else initial_data())
    save_form, status = SavePlanForm(initial={"day": timezone.localdate()}), 200
    if request.method == "POST":
        status = 422  # unless it is saved
        require(request.user, "contact_center.staffingplan", "add")
        save_form = SavePlanForm(request.POST)
        if form.is_valid() and save_form.is_valid():
            day = save_form.cleaned_data["day"]
            try:
                staffing_plans.save_plan(request.user, day, form.cleaned_data["start"], form.plan_arguments(),
                                         save_form.cleaned_data["note"])
            except ValidationError as exc:
                form_errors_from(save_form, exc)
            else:
                messages.success(request, _("Saved as the plan for %(day)s: the contact-center figures of that day "
                                            "show it beside what happened.") % {"day": date_format(day)})
                return redirect(f"{request.path}?{_query_of(form)}")
    rows, totals = [], None
    if form.is_valid():
        try:
            rows = planning.staffing_plan(**form.plan_arguments())
        except ValidationError as exc:  # the form's ranges should prevent it; show it if not
            form.add_error(None, exc)
    if rows:
        start = dt.datetime.combine(dt.date.today(), form.cleaned_data["start"])
        step = dt.timedelta(minutes=form.cleaned_data["interval_minutes"])
        for i, row in enumerate(rows):
            row["label"] = (start + i * step).strftime("%H:%M")
            row["abandonment_percent"] = row["abandonment"] * 100
        hours = form.cleaned_data["interval_minutes"] / 60
        totals = {
            "volume": sum(r["volume"] for r in rows),
            "peak": max(r["agents"] for r in rows),
            "peak_scheduled": max(r["scheduled_agents"] for r in rows),
            "agent_hours": sum(r["scheduled_agents"] for r in rows) * hours,
        }
    chart = {
        "labels": [r["label"] for r in rows],
        "volume": [r["volume"] for r in rows],
        "agents": [r["agents"] for r in rows],
        "scheduled": [r["scheduled_agents"] for r in rows],
        "names": {"volume": _("Volume"), "agents": _("Agents needed"), "scheduled": _("To schedule"),
                  "contacts": _("Contacts"), "people": _("Agents")},
    }
    return render(request, "contact_center/staffing.html", {
        "form": form, "rows": rows, "totals": totals, "chart": chart,
        "erlang_a": bool(form.is_valid() and form.cleaned_data.get("patience_seconds")),
        "save_form": save_form, "may_save_plan": may(request.user, "contact_center.staffingplan", "add"),
        "plan_query": _query_of(form),
    }, status=status)


def _query_of(form: StaffingForm) -> str:
    """The staffing form's inputs as a query string: the page that shows (and saves) this plan."""
    query = QueryDict(mutable=True)
    for name in StaffingForm.base_fields:
        if form.data.get(name) not in (None, ""):
            query[name] = str(form.data[name])
    return query.urlencode()


@login_required
def routing_policy(request):
    """The routing policy in force, its history, and its editor: "Dry run" simulates the edited policy beside
    the one in force on the same scenario and seed; "Save" puts in force only a policy that was dry-run as it
    stands (the form carries the fingerprint of what was simulated). Supervisors and administrators (403 for
    the other roles, who never see the menu entry)."""
    require(request.user, "contact_center.routingpolicyversion", "view")
    results = None
    if request.method != "POST":
        form = PolicyForm(initial=policy_initial(services.policy_data()))
    else:
        form = PolicyForm(request.POST)
        if form.is_valid():
            policy = form.cleaned_data["policy"]
            fingerprint = services.policy_fingerprint(policy)
            try:
                if "save" not in request.POST:
                    results = services.dry_run_policy(request.user, policy, **form.scenario())
                    simulated = request.POST.copy()
                    simulated["checked"] = fingerprint  # what "Save" may now put in force
                    form = PolicyForm(simulated)
                    form.is_valid()
                elif form.cleaned_data["checked"] != fingerprint:
                    form.add_error("policy", _("Run the dry run on this policy before saving it."))
                else:
                    services.save_policy(request.user, policy, form.cleaned_data["note"])
                    messages.success(request, _("The routing policy is saved and in force."))
                    return redirect("contact_center:routing_policy")
            except ValidationError as exc:
                form_errors_from(form, exc)
    return render(request, "contact_center/routing_policy.html", {
        "form": form, "comparison": _comparison(results), "history": services.policy_history(request.user),
        "may_save": may(request.user, "contact_center.routingpolicyversion", "add"),
    })


def _comparison(results):
    """Per tier (customer tiers in order, then overall): the figures under the policy in force and the edited."""
    if results is None:
        return None
    current, proposed = results["current"]["tiers"], results["proposed"]["tiers"]
    return [
        {"tier": tier, "current": current[tier], "proposed": proposed[tier],
         "delta": None if current[tier]["service_level"] is None or proposed[tier]["service_level"] is None
         else proposed[tier]["service_level"] - current[tier]["service_level"]}
        for tier in (*TIERS, "overall") if tier in proposed and tier in current
    ]


IVR_FIGURES_DAYS = 7


@login_required
def ivr_menu(request):
    """The voice menu in force (as an outline), what it did in the last week (containment, where callers went),
    its history, and its editor."""
    require(request.user, "contact_center.ivrmenuversion", "view")
    data = ivr.menu_data()
    form = IvrMenuForm(initial={"menu": json.dumps(data, ensure_ascii=False, indent=2)})
    if request.method == "POST":
        form = IvrMenuForm(request.POST)
        if form.is_valid():
            try:
                ivr.save_menu(request.user, form.cleaned_data["menu"], form.cleaned_data["note"])
            except ValidationError as exc:
                form_errors_from(form, exc)
            else:
                messages.success(request, _("The voice menu is saved and in force."))
                return redirect("contact_center:ivr_menu")
    until = timezone.now()
    figures = ivr.figures(until - dt.timedelta(days=IVR_FIGURES_DAYS), until)
    labels = ivr.key_labels(data)
    busiest = max((row["calls"] for row in figures["keys"]), default=0)
    for row in figures["keys"]:
        row["label"] = labels.get((row["node"], row["key"]), "")
        row["width"] = round(100 * row["calls"] / busiest) if busiest else 0
    return render(request, "contact_center/ivr_menu.html", {
        "form": form, "outline": ivr.outline(data), "prompt": data.get("menu", {}).get("prompt", ""),
        "figures": figures, "days": IVR_FIGURES_DAYS, "history": ivr.menu_history(request.user),
        "may_save": may(request.user, "contact_center.ivrmenuversion", "add"),
    })
