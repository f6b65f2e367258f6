"""Saved staffing plans (issue 11, item 5: forecast against actual): the arithmetic of a plan beside a day's
figures, worked by hand, and who may save a plan from the staffing page. The seeded day's plan on the figures
page and the API is in test_kpis.py."""

import datetime as dt
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone

from guanxi.contact_center.models import StaffingPlan
from guanxi.contact_center.staffing_plans import against_plan
from guanxi.core.roles import Role

DAY = dt.date(2026, 11, 23)


def at(clock: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(DAY, dt.time.fromisoformat(clock)))


def test_an_hourly_plan_beside_half_hours_with_one_under_way_worked_by_hand():
    """A plan of 60-minute intervals from 09:00 (60 then 30 contacts; 4 then 2 agents) beside figures by 30
    minutes at 10:15: the 10:00 interval is half gone, 10:30 has not begun."""
    plan = StaffingPlan(day=DAY, start=dt.time(9), interval_minutes=60, arguments={"volumes": [60, 30]},
                        agents=[3, 2], scheduled=[4, 2])
    rows = [  # what kpis.figures gives by interval: contacts offered, agents' logged-in seconds
        {"key": at("09:00"), "offered": 25, "logged_in_seconds": 3 * 1800},
        {"key": at("09:30"), "offered": 40, "logged_in_seconds": 4 * 1800},
        {"key": at("10:00"), "offered": 10, "logged_in_seconds": 1 * 900},  # one agent for the 15 minutes gone by
    ]
    compared = against_plan(plan, rows, at("00:00"), 30, now=at("10:15"))
    assert [(r["key"], r["forecast"], r["offered"], r["planned_agents"], r["staffed_agents"])
            for r in compared["rows"]] == [
        (at("09:00"), 30.0, 25, 4.0, 3.0),
        (at("09:30"), 30.0, 40, 4.0, 4.0),
        (at("10:00"), 15.0, 10, 2.0, 1.0),  # 900 s over the 900 s gone by
        (at("10:30"), 15.0, None, 2.0, None),  # not begun
    ]
    # the interval under way counts for its half gone by: 7.5 contacts forecast, 1 agent-half-hour planned
    assert compared["forecast"] == 30 + 30 + 7.5 and compared["offered"] == 75
    assert compared["forecast_error"] == pytest.approx((5 + 10 + 2.5) / 67.5)
    assert compared["staffed_share"] == pytest.approx((3 + 4 + 0.5) / (4 + 4 + 1))


def test_figures_outside_the_plan_s_hours_count_against_a_plan_of_nothing():
    """Contacts before the plan's first interval are forecast as none; a day with no contacts yet is all forecast."""
    plan = StaffingPlan(day=DAY, start=dt.time(9, 30), interval_minutes=30, arguments={"volumes": [10]},
                        agents=[1], scheduled=[2])
    compared = against_plan(plan, [{"key": at("09:00"), "offered": 4, "logged_in_seconds": 1800}], at("00:00"), 30,
                            now=at("12:00"))
    assert [(r["forecast"], r["offered"], r["planned_agents"]) for r in compared["rows"]] == [
        (0.0, 4, 0.0), (10.0, 0, 2.0)]
    assert compared["forecast_error"] == pytest.approx((4 + 10) / 10)
    assert compared["staffed_share"] == pytest.approx(1 / 2)
    nothing_yet = against_plan(plan, [], at("00:00"), 30, now=at("08:00"))
    assert [r["offered"] for r in nothing_yet["rows"]] == [None]
    assert (nothing_yet["forecast"], nothing_yet["forecast_error"], nothing_yet["staffed_share"]) == (0, None, None)


PLAN = {"volumes": "60, 90", "start": "09:00", "interval_minutes": "30", "aht_seconds": "180",
        "target_answer_seconds": "20", "target_percent": "80", "max_occupancy_percent": "85", "shrinkage_percent": "30"}


@pytest.mark.parametrize("role, allowed", [
    (Role.SUPERVISOR, True), (Role.ADMIN, True), (Role.ANALYST, False), (Role.AGENT, False),
    (Role.DEALER_MANAGER, False),
])
def test_supervisors_and_administrators_save_a_day_s_plan_and_no_one_else(client, users, role, allowed):
    client.force_login(users[role])
    url = f"{reverse('contact_center:staffing')}?{urlencode(PLAN)}"
    response = client.post(url, {"day": DAY.isoformat(), "note": "peak week"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == (302 if allowed else 403)
    assert StaffingPlan.objects.count() == (1 if allowed else 0)
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ('id="save-plan"' in page) == allowed
    if allowed:
        plan = StaffingPlan.objects.get()
        assert (plan.start, plan.arguments["volumes"], plan.note, len(plan.scheduled)) == (
            dt.time(9), [60.0, 90.0], "peak week", 2)
        assert plan.scheduled[1] > plan.scheduled[0] >= plan.agents[0]  # shrinkage on top of the agents needed


def test_a_bad_day_or_bad_figures_save_nothing_and_say_why(client, users):
    client.force_login(users[Role.SUPERVISOR])
    staffing = reverse("contact_center:staffing")
    response = client.post(f"{staffing}?{urlencode(PLAN)}", {"day": "2026-02-30"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422 and "day" in response.context["save_form"].errors
    response = client.post(f"{staffing}?{urlencode({**PLAN, 'aht_seconds': '-5'})}", {"day": DAY.isoformat()},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422 and "aht_seconds" in response.context["form"].errors
    assert not StaffingPlan.objects.exists()
