"""Saved staffing plans, and a day's plan set beside what happened (forecast against actual).

A supervisor plans a day on the staffing page (forecast contacts per interval, Erlang's agents) and saves it for
that day; the figures page then shows, interval by interval, the forecast beside the contacts offered and the
agents the plan asked for beside those logged in. The plan's intervals and the figures' need not be the same
length: a plan interval's forecast is spread evenly over its minutes, and its agents count for the minutes they
cover.

Two figures sum it up, as workforce planners read them:

* forecast error (weighted absolute percentage error) = sum over intervals of |offered - forecast| / sum of the
  forecast: how far the day strayed from the forecast, big intervals weighing more than quiet ones;
* staffed against planned = agent-hours logged in / agent-hours the plan scheduled.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from guanxi.contact_center import planning
from guanxi.contact_center.models import StaffingPlan
from guanxi.core.scoping import require


def save_plan(user, day: dt.date, start: dt.time, arguments: dict[str, Any], note: str = "") -> StaffingPlan:
    """The plan for `day` as the staffing page computed it (`planning.staffing_plan`'s arguments, checked again
    here), saved as the day's plan in force; an earlier plan for the day stays as history. Supervisors and
    administrators, else PermissionDenied; bad arguments are a ValidationError naming the field."""
    require(user, "contact_center.staffingplan", "add")
    rows = planning.staffing_plan(**arguments)
    return StaffingPlan.objects.create(
        day=day, start=start, interval_minutes=arguments["interval_minutes"], arguments=arguments,
        agents=[row["agents"] for row in rows], scheduled=[row["scheduled_agents"] for row in rows],
        saved_by=user, saved_at=timezone.now(), note=note)


def plan_for(day: dt.date) -> StaffingPlan | None:
    """The day's plan in force: the latest saved for it."""
    return StaffingPlan.objects.filter(day=day).order_by("-saved_at", "-pk").first()


def against_plan(plan: StaffingPlan, rows: list[dict[str, Any]], period_start: dt.datetime,
                 interval_minutes: int, now: dt.datetime) -> dict[str, Any]:
    """The figures' interval rows (kpis.figures by interval from `period_start`: "key" the interval's start,
    "offered", "logged_in_seconds") beside the plan: one row per figures interval from the first the plan or
    the day touches to the last, with forecast, offered, planned_agents (scheduled, on average over the
    interval), staffed_agents (logged in, on average over the part gone by), offered and staffed None for an
    interval not begun by `now`; and, over the intervals begun (one under way for the part of it gone by), the
    forecast, the contacts offered, the forecast error and the staffed share (module docstring), None where
    there is no denominator."""
    step = dt.timedelta(minutes=interval_minutes)
    spans = _plan_spans(plan)
    actual = {row["key"]: row for row in rows}
    starts = [span[0] for span in spans] + list(actual)
    ends = [span[1] for span in spans] + [key + step for key in actual]
    compared, passed = [], []  # passed: the share of each interval gone by at `now` (0 to 1)
    if starts:
        key = period_start + step * ((min(starts) - period_start) // step)
        while key < max(ends):
            share = min(step, max(now - key, dt.timedelta(0))) / step
            row = actual.get(key, {})
            compared.append({
                "key": key,
                "forecast": sum(volume * (_overlap(key, step, start, end) / (end - start))
                                for start, end, volume, _agents in spans),
                "planned_agents": sum(agents * (_overlap(key, step, start, end) / step)
                                      for start, end, _volume, agents in spans),
                "offered": row.get("offered", 0) if share else None,
                # logged-in time over the part of the interval gone by: agents on average so far
                "staffed_agents": (row.get("logged_in_seconds") or 0.0) / (share * step.total_seconds())
                if share else None,
            })
            passed.append(share)
            key += step
    # an interval under way counts for the part of it gone by: that part of its forecast and planned agent-time
    begun = [(row, share) for row, share in zip(compared, passed, strict=True) if share]
    forecast = sum(row["forecast"] * share for row, share in begun)
    planned = sum(row["planned_agents"] * share for row, share in begun)
    return {
        "rows": compared,
        "forecast": forecast,
        "offered": sum(row["offered"] for row, _share in begun),
        "forecast_error": (sum(abs(row["offered"] - row["forecast"] * share) for row, share in begun) / forecast
                           if forecast else None),
        "staffed_share": (sum(row["staffed_agents"] * share for row, share in begun) / planned if planned else None),
    }


def _plan_spans(plan: StaffingPlan) -> list[tuple[dt.datetime, dt.datetime, float, float]]:
    """Each plan interval as (start, end, forecast contacts, agents scheduled), aware, in the current time zone."""
    start = timezone.make_aware(dt.datetime.combine(plan.day, plan.start))
    step = dt.timedelta(minutes=plan.interval_minutes)
    return [(start + i * step, start + (i + 1) * step, float(volume), float(scheduled))
            for i, (volume, scheduled) in enumerate(zip(plan.arguments["volumes"], plan.scheduled, strict=True))]


def _overlap(start: dt.datetime, step: dt.timedelta, other_start: dt.datetime, other_end: dt.datetime) -> dt.timedelta:
    """How much of [start, start + step) falls in [other_start, other_end)."""
    return max(dt.timedelta(0), min(start + step, other_end) - max(start, other_start))
