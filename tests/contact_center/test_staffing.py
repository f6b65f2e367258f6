"""Staffing in the product: the API's numbers and its 422s, and the supervisor's page (who sees it, what it shows)."""

import time

import pytest
from django.urls import reverse

from guanxi.contact_center import planning
from guanxi.core.roles import Role

URL = "/api/contact-center/staffing"
REFERENCE = {"volumes": [100], "interval_minutes": 30, "aht_seconds": 180, "target_answer_seconds": 20,
             "target_service_level": 0.8}


def post(client, payload, url=URL):
    return client.post(url, payload, content_type="application/json")


def test_reference_case_needs_14_agents_under_erlang_c(client, users):
    client.force_login(users[Role.SUPERVISOR])
    response = post(client, {**REFERENCE, "target_service_level": 0.85})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["model"] == "erlang_c"
    [row] = body["intervals"]
    assert row["agents"] == 14 and row["traffic"] == pytest.approx(10.0)
    assert row["service_level"] == pytest.approx(0.888, abs=5e-4)
    assert row["p_wait"] == pytest.approx(0.174, abs=5e-4)
    assert row["occupancy"] == pytest.approx(0.714, abs=5e-4)
    assert row["abandonment"] == 0.0 and row["asa_seconds"] > 0


def test_shrinkage_max_occupancy_and_several_intervals(client, users):
    client.force_login(users[Role.ANALYST])
    rows = post(client, {**REFERENCE, "volumes": [0, 100, 200], "target_service_level": 0.85, "shrinkage": 0.3,
                         "max_occupancy": 0.7}).json()["intervals"]
    assert [r["agents"] for r in rows][:2] == [0, 15]  # 14 would be 71.4 % busy, above the 70 % cap
    assert rows[1]["scheduled_agents"] == 22  # 15 / (1 - 0.3) = 21.4
    assert rows[2]["agents"] > rows[1]["agents"] and all(r["occupancy"] <= 0.7 for r in rows)


def test_erlang_a_with_patience_needs_fewer_agents_and_reports_abandonment(client, users):
    client.force_login(users[Role.SUPERVISOR])
    body = post(client, {**REFERENCE, "target_service_level": 0.85, "patience_seconds": 300}).json()
    [row] = body["intervals"]
    assert body["model"] == "erlang_a"
    assert row["agents"] == 13  # Erlang A, 13 agents: SL about 0.858 >= 0.85
    assert row["service_level"] == pytest.approx(0.858, abs=0.005)
    assert row["abandonment"] == pytest.approx(0.025, abs=0.003)


@pytest.mark.parametrize("change, field", [
    ({"aht_seconds": -180}, "aht_seconds"),
    ({"aht_seconds": "slow"}, "aht_seconds"),
    ({"max_occupancy": 1.5}, "max_occupancy"),
    ({"target_service_level": 1.0}, "target_service_level"),
    ({"shrinkage": 1.0}, "shrinkage"),
    ({"interval_minutes": 0}, "interval_minutes"),
    ({"patience_seconds": 0}, "patience_seconds"),
    ({"volumes": []}, "volumes"),
    ({"volumes": [10, -5]}, "volumes[1]"),
    ({"volumes": [1] * 1000}, "volumes"),
])
def test_bad_input_is_422_naming_the_field(client, users, change, field):
    client.force_login(users[Role.SUPERVISOR])
    response = post(client, {**REFERENCE, **change})
    assert response.status_code == 422, response.content
    assert field in [error["field"] for error in response.json()["detail"]]


def test_missing_volumes_is_422(client, users):
    client.force_login(users[Role.SUPERVISOR])
    payload = dict(REFERENCE)
    del payload["volumes"]
    response = post(client, payload)
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "volumes"


@pytest.mark.parametrize("role, allowed", [
    (Role.SUPERVISOR, True), (Role.ADMIN, True), (Role.ANALYST, True),
    (Role.AGENT, False), (Role.DEALER_SALES, False), ("no_role", False),
])
def test_staffing_api_is_for_supervisors_analysts_and_admins(client, users, role, allowed):
    client.force_login(users[role])
    assert post(client, REFERENCE).status_code == (200 if allowed else 403)


def test_staffing_api_needs_credentials(client, db):
    assert post(client, REFERENCE).status_code == 401


# ---- the page


def test_page_shows_the_sample_day_computed_for_a_supervisor(client, users):
    client.force_login(users[Role.SUPERVISOR])
    response = client.get(reverse("contact_center:staffing"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    rows = response.context["rows"]
    assert len(rows) == 24 and rows[0]["label"] == "08:00" and rows[-1]["label"] == "19:30"
    page = response.content.decode()
    assert 'id="staffing-chart"' in page and "core/echarts.min.js" in page
    assert f'href="{reverse("contact_center:staffing")}" class="nav-item active"' in page


def test_page_computes_what_the_supervisor_entered(client, users):
    client.force_login(users[Role.SUPERVISOR])
    response = client.get(reverse("contact_center:staffing"), {
        "volumes": "100，100 200", "start": "09:00", "interval_minutes": "30", "aht_seconds": "180",
        "target_answer_seconds": "20", "target_percent": "85", "max_occupancy_percent": "100",
        "shrinkage_percent": "0", "patience_seconds": "",
    })
    rows = response.context["rows"]
    assert [r["agents"] for r in rows[:2]] == [14, 14] and rows[2]["label"] == "10:00"


def test_page_names_the_bad_field(client, users):
    client.force_login(users[Role.SUPERVISOR])
    response = client.get(reverse("contact_center:staffing"), {
        "volumes": "100, lots", "start": "08:00", "interval_minutes": "30", "aht_seconds": "-1",
        "target_answer_seconds": "20", "target_percent": "80", "max_occupancy_percent": "85",
        "shrinkage_percent": "30",
    }, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and response.context["rows"] == []
    errors = response.context["form"].errors
    assert "lots" in errors["volumes"][0] and "aht_seconds" in errors


def test_page_speaks_chinese_by_default(client, users):
    client.force_login(users[Role.SUPERVISOR])
    page = client.get(reverse("contact_center:staffing")).content.decode()
    assert "人员配置" in page and "所需坐席" in page


@pytest.mark.parametrize("role", [Role.DEALER_SALES, Role.AGENT, Role.SERVICE_ADVISOR])
def test_page_is_403_and_not_in_the_menu_for_other_roles(client, users, role):
    client.force_login(users[role])
    assert client.get(reverse("contact_center:staffing")).status_code == 403
    assert reverse("contact_center:staffing") not in client.get(reverse("home")).content.decode()


def test_page_sends_anonymous_users_to_login(client, db):
    response = client.get(reverse("contact_center:staffing"))
    assert response.status_code == 302 and reverse("login") in response.url


@pytest.mark.parametrize("goal, patience, volume", [(0.995, 1, 400), (0.999, 5, 50)])
def test_erlang_a_staffing_reaches_the_goal_even_when_it_needs_more_than_erlang_c(goal, patience, volume):
    """Abandoned callers count as missed: with little patience and a high goal Erlang A needs more agents."""
    (row,) = planning.staffing_plan([volume], target_service_level=goal, patience_seconds=patience)
    assert row["service_level"] >= goal


@pytest.mark.parametrize("change, field", [
    ({"interval_minutes": 1e-9}, "interval_minutes"),  # once held a worker until it was killed
    ({"volumes": [2.22e-16], "max_occupancy": 6.69e-135}, "max_occupancy"),  # found by schemathesis
    ({"volumes": [100_000], "aht_seconds": 86_400}, "volumes[0]"),  # 4.8 million Erlang in one interval
    ({"volumes": [100] * 672, "aht_seconds": 86_400}, "volumes"),  # a week of 3,200 s intervals
])
def test_a_request_that_would_compute_for_minutes_is_422_at_once(client, users, change, field):
    client.force_login(users[Role.SUPERVISOR])
    started = time.monotonic()
    response = post(client, {**REFERENCE, **change})
    assert time.monotonic() - started < 1.0
    assert response.status_code == 422 and field in [error["field"] for error in response.json()["detail"]]


def test_erlang_a_far_below_erlang_c_is_found_in_well_under_the_budget(client, users):
    """20,000 calls, 1 s of patience, a 20% goal: Erlang A needs about 400 agents where Erlang C
    starts from 2,000; walking down one agent at a time took 7 s."""
    client.force_login(users[Role.SUPERVISOR])
    started = time.monotonic()
    response = post(client, {**REFERENCE, "volumes": [20000], "patience_seconds": 1, "target_service_level": 0.2})
    assert time.monotonic() - started < planning.STAFFING_BUDGET_SECONDS / 2
    [row] = response.json()["intervals"]
    assert row["agents"] == 401 and row["service_level"] >= 0.2


def test_a_plan_over_its_time_budget_is_422_not_a_timeout(client, users, monkeypatch):
    monkeypatch.setattr(planning, "STAFFING_BUDGET_SECONDS", -1.0)
    client.force_login(users[Role.SUPERVISOR])
    response = post(client, REFERENCE)
    assert response.status_code == 422 and response.json()["detail"][0]["field"] == "volumes"


def test_the_page_refuses_a_week_at_a_day_long_handle_time_at_once(client, users):
    client.force_login(users[Role.SUPERVISOR])
    started = time.monotonic()
    response = client.get(reverse("contact_center:staffing"), {
        "volumes": ", ".join(["100"] * 672), "start": "00:00", "interval_minutes": "15", "aht_seconds": "86400",
        "target_answer_seconds": "20", "target_percent": "80", "max_occupancy_percent": "85",
        "shrinkage_percent": "30",
    }, HTTP_ACCEPT_LANGUAGE="en")
    assert time.monotonic() - started < 1.0
    assert response.context["rows"] == [] and "too large to plan" in response.context["form"].errors["volumes"][0]
