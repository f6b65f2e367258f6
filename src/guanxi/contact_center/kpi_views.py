"""The contact-center figures page: a day (or a few) of the event log by interval, channel, tier, agent or queue,
as a table, a chart and a CSV of the same table. Thin: parse the form, call kpis.contact_center_kpis, render."""

import csv

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from guanxi.contact_center import kpis
from guanxi.core.generic import form_errors_from
from guanxi.core.scoping import may, require


class KpiForm(forms.Form):
    day = forms.DateField(label=gettext_lazy("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    days = forms.IntegerField(label=gettext_lazy("Days"), initial=1, min_value=1, max_value=kpis.MAX_DAYS)
    by = forms.ChoiceField(label=gettext_lazy("By"), initial="interval", choices=[
        ("interval", gettext_lazy("Interval")), ("channel", gettext_lazy("Channel")),
        ("tier", gettext_lazy("Tier")), ("agent", gettext_lazy("Agent")), ("queue", gettext_lazy("Queue"))])
    interval_minutes = forms.TypedChoiceField(label=gettext_lazy("Interval"), coerce=int, initial=30, choices=[
        (15, gettext_lazy("15 minutes")), (30, gettext_lazy("30 minutes")), (60, gettext_lazy("60 minutes"))])
    target_seconds = forms.IntegerField(label=gettext_lazy("Answer within (s)"), initial=20, min_value=0,
                                        max_value=3600)


def _percent(value):
    return "" if value is None else f"{value * 100:.1f}%"


def _number(value):
    return "" if value is None else f"{value:.1f}"


# (column heading, how a row's cell is written): the page's table and the CSV are both this
COLUMNS = [
    (pgettext_lazy("contact-center figures", "Offered"), lambda r: str(r["offered"])),
    (pgettext_lazy("contact-center figures", "Answered"), lambda r: str(r["answered"])),
    (gettext_lazy("Abandoned"), lambda r: str(r["abandoned"])),
    (gettext_lazy("Short abandons"), lambda r: str(r["short_abandoned"])),
    (gettext_lazy("Service level"), lambda r: _percent(r["service_level"])),
    (gettext_lazy("With abandons"), lambda r: _percent(r["service_level_with_abandons"])),
    (gettext_lazy("ASA (s)"), lambda r: _number(r["asa_seconds"])),
    (gettext_lazy("AHT (s)"), lambda r: _number(r["aht_seconds"])),
    (gettext_lazy("Hold (s)"), lambda r: _number(r["hold_seconds"])),
    (gettext_lazy("Wrap (s)"), lambda r: _number(r["wrap_seconds"])),
    (gettext_lazy("Abandonment"), lambda r: _percent(r["abandonment"])),
    (gettext_lazy("Transfers"), lambda r: _percent(r["transfer_rate"])),
    (gettext_lazy("First-contact resolution"), lambda r: _percent(r["first_contact_resolution"])),
    (gettext_lazy("Per hour"), lambda r: _number(r["contacts_per_hour"])),
    (gettext_lazy("Dialled out"), lambda r: str(r["outbound_dialled"])),
    (gettext_lazy("Answered out"), lambda r: str(r["outbound_answered"])),
    (gettext_lazy("Occupancy"), lambda r: _percent(r["occupancy"])),
    (gettext_lazy("Utilisation"), lambda r: _percent(r["utilisation"])),
]


def table(result: dict, first_heading: str) -> dict:
    """The figures as cells: a heading row, one row per group, the total."""
    def cells(label, row):
        return [label, *(write(row) for _heading, write in COLUMNS)]

    return {"head": [first_heading, *(str(heading) for heading, _write in COLUMNS)],
            "rows": [cells(row["label"], row) for row in result["rows"]],
            "total": cells(_("Total"), result["total"])}


def _csv_safe(cell: str) -> str:
    """A name a spreadsheet would run as a formula is written as text."""
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


@login_required
def contact_center_kpis(request):
    """Offered, answered, service level, ASA, AHT, abandonment, transfers, occupancy and utilisation per group
    (kpis.py has the exact definitions); `?format=csv` downloads the table. The "staffing" permission's
    (supervisors, analysts, administrators), 403 for the other roles, who never see the menu entry."""
    require(request.user, "contact_center.staffing", "view")
    query = request.GET.copy() if "day" in request.GET else _today()
    form = KpiForm(query)
    result = None
    if form.is_valid():
        try:
            result = kpis.contact_center_kpis(request.user, **form.cleaned_data)
        except ValidationError as exc:
            form_errors_from(form, exc)
    by = form.cleaned_data.get("by", "interval") if form.is_valid() else "interval"
    grid = table(result, str(dict(form.fields["by"].choices)[by])) if result else None
    if grid and request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (f'attachment; filename="contact-center-{form.cleaned_data["day"]}-'
                                           f'{by}.csv"')
        response.write("\ufeff")  # so that a spreadsheet reads the Chinese headings as UTF-8
        writer = csv.writer(response)
        writer.writerow(grid["head"])
        for row in [*grid["rows"], grid["total"]]:
            writer.writerow([_csv_safe(row[0]), *row[1:]])
        return response
    chart = None
    if result:
        chart = {
            "labels": [row["label"] for row in result["rows"]],
            "offered": [row["offered"] for row in result["rows"]],
            "answered": [row["answered"] for row in result["rows"]],
            "service_level": _percents(result["rows"], "service_level"),
            "occupancy": _percents(result["rows"], "occupancy"),
            "names": {"offered": pgettext("contact-center figures", "Offered"),
                      "answered": pgettext("contact-center figures", "Answered"), "service_level": _("Service level"),
                      "occupancy": _("Occupancy"), "contacts": _("Contacts"), "percent": "%"},
        }
    plan = result and result["plan"]
    total = result and result["total"]
    summary = result and {  # the tiles above the chart
        "service_level": _percent(total["service_level"]), "asa_seconds": _number(total["asa_seconds"]),
        "abandonment": _percent(total["abandonment"]),
        "forecast_error": plan and _percent(plan["forecast_error"]),
        "staffed_share": plan and _percent(plan["staffed_share"]),
    }
    return render(request, "contact_center/kpis.html", {
        "form": form, "result": result, "table": grid, "chart": chart, "plan_chart": plan and _plan_chart(plan),
        "summary": summary,
        "csv_query": _as_csv(query), "short_abandon_seconds": f"{kpis.SHORT_ABANDON_SECONDS:g}",
        "may_watch_wallboard": may(request.user, "contact_center.wallboard", "view"),
    })


def _plan_chart(plan: dict) -> dict:
    """The day against its staffing plan: forecast and offered contacts (bars), agents planned and logged in
    (lines, right axis)."""
    rows = plan["rows"]
    return {
        "labels": [row["label"] for row in rows],
        "forecast": [round(row["forecast"], 1) for row in rows],
        "offered": [row["offered"] for row in rows],
        "planned": [round(row["planned_agents"], 1) for row in rows],
        "staffed": [None if row["staffed_agents"] is None else round(row["staffed_agents"], 1) for row in rows],
        "names": {"forecast": _("Forecast"), "offered": pgettext("contact-center figures", "Offered"),
                  "planned": _("Agents planned"), "staffed": _("Agents logged in"), "contacts": _("Contacts"),
                  "agents": _("Agents")},
    }


def _percents(rows: list[dict], figure: str) -> list[float | None]:
    return [None if row[figure] is None else round(row[figure] * 100, 1) for row in rows]


def _today() -> QueryDict:
    """The form as first shown: today by 30-minute interval, answered within 20 s."""
    query = QueryDict(mutable=True)
    query.update({name: str(field.initial) for name, field in KpiForm.base_fields.items() if field.initial is not None})
    query["day"] = timezone.localdate().isoformat()
    return query


def _as_csv(query: QueryDict) -> str:
    query = query.copy()
    query["format"] = "csv"
    return query.urlencode()
