"""Contact-center pages: staffing. Thin: parse the form, call one service, render."""

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.translation import gettext as _

from guanxi.contact_center import services
from guanxi.contact_center.forms import StaffingForm, initial_data
from guanxi.core.scoping import require


@login_required
def staffing(request):
    """Agents needed per interval. A GET form (the figures are computed, nothing is stored), so a plan
    is a link a supervisor can share; the first visit shows the sample day already computed.

    Roles without the "staffing" permission get 403 (and never see the menu entry).
    """
    require(request.user, "contact_center.staffing", "view")
    form = StaffingForm(request.GET if "volumes" in request.GET else initial_data())
    rows, totals = [], None
    if form.is_valid():
        try:
            rows = services.staffing_plan(**form.plan_arguments())
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
    })
