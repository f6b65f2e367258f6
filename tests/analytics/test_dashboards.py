"""Dashboards (issue 12, item 9): charts built from the catalogue count what a hand count gives, over
the customers each user may see; names outside the catalogue are refused before anything runs;
private dashboards stay private; the CSV is the chart; stock dashboards show the apps' own figures."""

import csv
import datetime as dt
import io
import time

import pytest
from django.core.exceptions import PermissionDenied
from django.db import OperationalError, connection
from django.urls import reverse
from django.utils import translation

from guanxi.analytics import dashboards
from guanxi.analytics.dashboards_stock import STOCK, ensure_stock_dashboards
from guanxi.analytics.models import Chart, Dashboard, Score, ScoreModel, ScoringRun
from guanxi.core.budget import is_over_budget
from guanxi.core.models import User
from guanxi.core.roles import Role
from guanxi.core.scoping import may
from guanxi.customers.models import Customer, Interaction, Vehicle
from guanxi.sales import funnel, opportunities
from guanxi.sales.models import Opportunity
from tests.conftest import shared_people
from tests.isolation import USER_KEYS, AddPageIsolation, ListPageIsolation, PageIsolation, expected

people, org, users, customers = shared_people()

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
API = "/api/analytics"
SQLITE_ONLY = pytest.mark.skipif("connection.vendor != 'sqlite'", reason="SQLite's progress handler")


@pytest.fixture(autouse=True)
def _in_english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    with translation.override("en"):
        yield


def _at(day: str, clock: str = "10:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=SHANGHAI)


@pytest.fixture
def seeded(org, customers):
    """Purchases and service visits on the three customers' timelines, and published scores.

    customer  dealer (region)   car bought                    service spend                    CLV    level  churn
    张伟      D-SH1 (R-EAST)    Passat 2022-05-01: 200,000    2023-06-10: 1,500 (the Passat)   1,000  VIP    0.80 high
    李娜      D-SH2 (R-EAST)    Tiguan L 2023-03-08: 250,000  2024-01-05: 800 at S-SH          3,000  A      0.30 medium
    王芳      D-GZ1 (R-SOUTH)   -                             2024-01-20: 600 (no car)         500    C      0.10 low

    The Passat bought at 23:30 on 2022-05-01 local time (15:30 UTC) is a purchase of that day in
    Shanghai; a phone call without an amount is a contact, not spend.
    """
    zhang, li, wang = customers["zhang"], customers["li"], customers["wang"]
    passat, tiguan = Vehicle.objects.get(model__startswith="帕萨特"), Vehicle.objects.get(model__startswith="途观")

    def entry(customer, when, amount=None, car=None, unit=None, channel="visit"):
        Interaction.objects.create(customer=customer, channel=channel, direction="in", occurred_at=when,
                                   subject="visit", amount=amount, link=car, org_unit=unit or customer.home_dealer)

    entry(zhang, _at("2022-05-01", "23:30"), 200_000, passat)
    entry(zhang, _at("2023-06-10"), 1_500, passat)
    entry(zhang, _at("2023-07-01"), channel="phone")
    entry(li, _at("2023-03-08"), 250_000, tiguan)
    entry(li, _at("2024-01-05"), 800, tiguan, org["S-SH"])
    entry(wang, _at("2024-01-20"), 600)
    day = dt.date(2026, 11, 1)
    runs = {model: ScoringRun.objects.create(model=model, version="test", as_of=day, state=ScoringRun.State.PUBLISHED)
            for model in (ScoreModel.CLV, ScoreModel.PYRAMID, ScoreModel.CHURN, ScoreModel.RFM, ScoreModel.EVALUATION)}
    stale = ScoringRun.objects.create(model=ScoreModel.CLV, version="old", as_of=dt.date(2026, 10, 1),
                                      state=ScoringRun.State.PUBLISHED)
    for customer, clv, level, risk, band, segment in ((zhang, 1000, "vip", 0.8, "high", "champions"),
                                                       (li, 3000, "a", 0.3, "medium", "loyal"),
                                                       (wang, 500, "c", 0.1, "low", "lost")):
        Score.objects.create(run=runs[ScoreModel.CLV], customer=customer, value=clv)
        Score.objects.create(run=stale, customer=customer, value=99_999)  # an older run counts for nothing
        Score.objects.create(run=runs[ScoreModel.PYRAMID], customer=customer, value=clv / 10, label=level)
        Score.objects.create(run=runs[ScoreModel.CHURN], customer=customer, value=risk, label=band)
        Score.objects.create(run=runs[ScoreModel.RFM], customer=customer, value=555, label=segment)
        Score.objects.create(run=runs[ScoreModel.EVALUATION], customer=customer, value=clv / 40,
                             label="abcd"[min(3, 3 - int(clv / 40 // 25))])  # 25 b, 75 a, 12.5 d
    return customers


def figures(user, measure, dimension, filters=None) -> dict:
    return {label: value for _key, label, value in dashboards.chart_data(user, measure, dimension, filters or {}).rows}


def test_a_chart_counts_what_a_hand_count_gives(users, seeded, org):
    hq = users[Role.ANALYST]
    by_month = figures(hq, "sales_revenue", "month")  # every month from the first to the last, none left out
    assert by_month == {"2022-05": 200_000.0, **{f"2022-{month:02d}": 0 for month in range(6, 13)}, "2023-01": 0,
                        "2023-02": 0, "2023-03": 250_000.0}
    assert figures(hq, "purchases", "car_model") == {"帕萨特 Passat": 1, "途观L Tiguan L": 1}
    assert figures(hq, "service_revenue", "dealer") == {"D-SH1": 1_500.0, "D-SH2": 800.0, "D-GZ1": 600.0}
    assert figures(hq, "service_visits", "car_model") == {"帕萨特 Passat": 1, "途观L Tiguan L": 1, "none": 1}
    assert figures(hq, "service_revenue", "region", {"month": ["2024-01"]}) == {"R-EAST": 800.0, "R-SOUTH": 600.0}
    assert figures(hq, "contacts", "channel") == {"Phone": 1, "Visit": 5}
    assert figures(hq, "customers", "region") == {"R-EAST": 2, "R-SOUTH": 1}
    assert figures(hq, "average_clv", "pyramid") == {"VIP": 1000.0, "A": 3000.0, "C": 500.0}
    assert figures(hq, "total_clv", "region", {"pyramid": ["vip", "a"]}) == {"R-EAST": 4000.0}
    assert figures(hq, "at_risk_share", "region") == {"R-EAST": 100.0, "R-SOUTH": 0.0}
    assert figures(hq, "churn_risk", "rfm") == {"Champions": 80.0, "Loyal": 30.0, "Lost": 10.0}
    assert figures(hq, "customers", "churn", {"dealer": [org["D-GZ1"].pk]}) == {"Low": 1}
    assert figures(hq, "profit", "tier") == {"Standard": 450.0}
    assert figures(hq, "customers", "evaluation") == {"A": 1, "C": 1, "D": 1}
    assert figures(hq, "evaluation", "region") == {"R-EAST": 50.0, "R-SOUTH": 12.5}


@pytest.mark.parametrize("user_key", USER_KEYS)
def test_each_user_s_charts_count_only_the_customers_the_user_may_see(users, seeded, user_key):
    """A dealer's chart counts its own customers, a region's its dealers', head office every one."""
    user = User.objects.get(pk=users[user_key].pk)
    if not may(user, Customer.permission_key, "view"):
        with pytest.raises(PermissionDenied):
            dashboards.chart_data(user, "customers", "tier", {})
        return
    seen = set(Customer.objects.restrict(user).values_list("name", flat=True))
    assert sum(figures(user, "customers", "tier").values()) == len(seen)
    if may(user, Interaction.permission_key, "view"):
        mine = Interaction.objects.restrict(user).filter(amount__gt=0)
        total = sum(figures(user, "sales_revenue", "dealer").values()) + \
            sum(figures(user, "service_revenue", "dealer").values())
        assert total == float(sum(row.amount for row in mine))
    if may(user, Score.permission_key, "view"):
        clv = {"张伟": 1000, "李娜": 3000, "王芳": 500}
        assert sum(figures(user, "total_clv", "dealer").values()) == sum(clv[name] for name in seen)
    if user_key == "dealer_sales":
        assert figures(user, "customers", "dealer") == {"D-SH1": 1}
        assert figures(user, "sales_revenue", "month") == {"2022-05": 200_000.0}
    if user_key == "region_manager":
        assert figures(user, "customers", "dealer") == {"D-SH1": 1, "D-SH2": 1}
    if user_key == "analyst":
        assert figures(user, "customers", "dealer") == {"D-SH1": 1, "D-SH2": 1, "D-GZ1": 1}


def _dashboard(owner, name="Mine", shared=False, charts=(("customers", "tier", {}),)) -> Dashboard:
    dashboard = Dashboard.objects.create(owner=owner, name=name, shared=shared)
    for position, (measure, dimension, filters) in enumerate(charts):
        Chart.objects.create(dashboard=dashboard, measure=measure, dimension=dimension, filters=filters,
                             position=position)
    return dashboard


@pytest.mark.parametrize(("body", "field", "named"), [
    ({"measure": "revenue_per_moon", "dimension": "tier"}, "measure", "revenue_per_moon"),
    ({"measure": "customers", "dimension": "shoe_size"}, "dimension", "shoe_size"),
    ({"measure": "customers", "dimension": "tier", "filters": {"shoe_size": ["42"]}}, "filters.shoe_size",
     "shoe_size"),
    ({"measure": "customers", "dimension": "tier", "filters": {"tier": ["platinum"]}}, "filters.tier", "platinum"),
    ({"measure": "customers", "dimension": "tier", "filters": {"month": ["2024-13"]}}, "filters.month", "2024-13"),
    ({"measure": "average_clv", "dimension": "month"}, "dimension", "Average lifetime value cannot be split by month"),
    ({"measure": "customers", "dimension": "channel"}, "dimension", "cannot be split by channel"),
    ({"measure": "deals", "dimension": "deal_stage", "filters": {"tier": ["vip"]}}, "filters.tier",
     "Deals cannot be filtered by tier"),
    ({"measure": "customers; DROP TABLE customers_customer", "dimension": "tier"}, "measure", "DROP TABLE"),
])
def test_a_name_outside_the_catalogue_is_refused_naming_it_and_nothing_is_saved(
        client, users, seeded, body, field, named):
    analyst = users[Role.ANALYST]
    dashboard = _dashboard(analyst, charts=())
    client.force_login(analyst)
    response = client.post(f"{API}/dashboards/{dashboard.pk}/charts", body, content_type="application/json",
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["field"] == field and named in error["msg"]
    assert not dashboard.charts.exists()
    assert Customer.objects.count() == 3


def test_the_api_saves_no_chart_the_user_s_role_may_not_read_as_the_form_offers_none(client, users, seeded):
    dealer = users[Role.DEALER_SALES]  # may build dashboards, is no contact-center supervisor
    dashboard = _dashboard(dealer, charts=())
    client.force_login(dealer)
    refused = client.post(f"{API}/dashboards/{dashboard.pk}/charts",
                          {"measure": "offered", "dimension": "contact_channel"}, content_type="application/json")
    assert refused.status_code == 403 and not dashboard.charts.exists()
    made = client.post(f"{API}/dashboards/{dashboard.pk}/charts", {"measure": "customers", "dimension": "tier"},
                       content_type="application/json")
    assert made.status_code == 201


def test_the_chart_form_shows_the_same_refusal_beside_the_field(client, users, seeded):
    analyst = users[Role.ANALYST]
    dashboard = _dashboard(analyst, charts=())
    client.force_login(analyst)
    page = client.post(reverse("analytics:chart_add", args=[dashboard.pk]),
                       {"measure": "customers", "dimension": "tier", "chart_type": "bar", "position": 0,
                        "filter_1": "tier", "values_1": ["vip"], "filter_2": "tier", "values_2": ["gold"]})
    assert page.status_code == 422 and "This dimension is filtered already." in page.content.decode()
    assert not dashboard.charts.exists()


def test_the_form_previews_with_htmx_and_saves_the_chart_with_its_filters(client, users, seeded):
    analyst = users[Role.ANALYST]
    dashboard = _dashboard(analyst, charts=())
    client.force_login(analyst)
    add = reverse("analytics:chart_add", args=[dashboard.pk])
    assert client.get(add).status_code == 200
    preview = reverse("analytics:chart_preview", args=[dashboard.pk])
    # the measure changed to one of the scores: the month is no dimension of it, the form moves to the first
    answer = client.post(preview, {"measure": "average_clv", "dimension": "month", "chart_type": "table",
                                   "position": 0, "filter_1": "channel"}, HTTP_HX_REQUEST="true",
                         HTTP_ACCEPT_LANGUAGE="en")
    page = answer.content.decode()
    assert answer.status_code == 200 and page.lstrip().startswith("<div id=\"chart-form-body\">")
    assert answer.context["form"]["dimension"].value() == "dealer"
    assert "CNY 1,000.00" in page and "CNY 3,000.00" in page
    assert 'value="channel"' not in page  # the scores have no channel to filter by
    form = {"title": "VIP and A by dealer", "measure": "average_clv", "dimension": "dealer", "chart_type": "bar",
            "position": 0, "filter_1": "pyramid", "values_1": ["vip", "a"]}
    answer = client.post(preview, form, HTTP_HX_REQUEST="true")
    assert [row[0] for row in answer.context["preview"]["table"]] == ["D-SH2", "D-SH1"]  # largest first
    assert client.post(add, form).status_code == 302
    chart = dashboard.charts.get()
    assert (chart.title, chart.measure, chart.dimension, chart.filters) == (
        "VIP and A by dealer", "average_clv", "dealer", {"pyramid": ["vip", "a"]})
    edit = client.get(reverse("analytics:chart_edit", args=[chart.pk]))
    assert edit.context["form"]["values_1"].value() == ["vip", "a"]


def test_nobody_sees_another_user_s_private_dashboard_and_a_shared_one_only_its_owner_changes(client, users, seeded):
    private = _dashboard(users[Role.ANALYST], "Analyst's own")
    shared = _dashboard(users[Role.ANALYST], "For everyone", shared=True)
    chart = private.charts.get()
    client.force_login(users[Role.HQ_MARKETING])
    assert client.get(reverse("analytics:dashboard", args=[private.pk])).status_code == 404
    assert client.get(f"{API}/dashboards/{private.pk}").status_code == 404
    assert client.get(f"{API}/charts/{chart.pk}/data").status_code == 404
    assert client.get(f"{API}/charts/{chart.pk}/data", {"format": "csv"}).status_code == 404
    assert "Analyst&#x27;s own" not in client.get(reverse("analytics:dashboards")).content.decode()
    listed = {row["id"] for row in client.get(f"{API}/dashboards", {"page_size": 200}).json()["results"]}
    assert shared.pk in listed and private.pk not in listed
    assert client.get(reverse("analytics:dashboard", args=[shared.pk])).status_code == 200
    assert client.get(reverse("analytics:dashboard_edit", args=[shared.pk])).status_code == 404
    assert client.post(reverse("analytics:dashboard_delete", args=[shared.pk])).status_code == 404
    assert client.post(f"{API}/dashboards/{shared.pk}/charts", {"measure": "customers", "dimension": "tier"},
                       content_type="application/json").status_code == 404
    assert Dashboard.objects.filter(pk=shared.pk).exists() and shared.charts.count() == 1


def test_a_shared_dashboard_shows_each_viewer_the_figures_of_their_own_customers(client, users, seeded):
    shared = _dashboard(users[Role.ANALYST], "Customers by dealer", shared=True,
                        charts=(("customers", "dealer", {}),))
    chart = shared.charts.get()
    for user, rows in ((users[Role.ANALYST], {"D-SH1": 1, "D-SH2": 1, "D-GZ1": 1}),
                       (users[Role.DEALER_SALES], {"D-SH1": 1}), (users["other_dealer"], {"D-GZ1": 1})):
        client.force_login(user)
        answer = client.get(f"{API}/charts/{chart.pk}/data").json()
        assert {row["label"]: row["value"] for row in answer["rows"]} == rows
        page = client.get(reverse("analytics:dashboard", args=[shared.pk]))
        assert page.context["plots"][str(chart.pk)]["values"] == list(rows.values())


def test_the_csv_export_is_the_chart(client, users, seeded):
    dashboard = _dashboard(users[Role.ANALYST], charts=(("service_revenue", "dealer", {}),))
    chart = dashboard.charts.get()
    client.force_login(users[Role.ANALYST])
    page = client.get(reverse("analytics:dashboard", args=[dashboard.pk])).content.decode()
    link = f"{API}/charts/{chart.pk}/data?format=csv"
    assert link in page
    exported = client.get(link, HTTP_ACCEPT_LANGUAGE="en")
    assert exported["Content-Type"].startswith("text/csv") and "attachment" in exported["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows == [["Home dealer", "Service revenue (CNY)"], ["D-SH1", "1500.0"], ["D-SH2", "800.0"],
                    ["D-GZ1", "600.0"]]
    answer = client.get(f"{API}/charts/{chart.pk}/data").json()
    assert [[row["label"], str(row["value"])] for row in answer["rows"]] == rows[1:]
    assert (answer["measure"], answer["dimension"], answer["unit"]) == ("service_revenue", "dealer", "money")


def test_a_label_a_spreadsheet_would_run_is_written_as_text(client, users, seeded):
    Customer.objects.filter(pk=seeded["zhang"].pk).update(city="=HYPERLINK(\"http://x\")")
    dashboard = _dashboard(users[Role.ANALYST], charts=(("customers", "city", {}),))
    client.force_login(users[Role.ANALYST])
    exported = client.get(f"{API}/charts/{dashboard.charts.get().pk}/data", {"format": "csv"})
    assert "'=HYPERLINK" in exported.content.decode("utf-8-sig")


def test_stock_dashboards_are_made_once_and_show_the_apps_own_figures(client, users, seeded, org):
    client.force_login(users[Role.SUPERVISOR])
    listed = client.get(reverse("analytics:dashboards"))
    assert listed.status_code == 200
    ensure_stock_dashboards()  # a second visit makes nothing new
    stock = Dashboard.objects.exclude(stock="")
    assert [dashboard.stock for dashboard in stock.order_by("order")] == [key for key, _name, _charts in STOCK]
    assert Chart.objects.filter(dashboard__in=stock).count() == sum(len(charts) for _key, _name, charts in STOCK)
    assert [row.record.display_name for row in listed.context["table"].rows][:2] == ["Customer value", "Churn"]

    for customer, dealer in (("zhang", "D-SH1"), ("wang", "D-GZ1")):
        opportunities.open_opportunity(users[Role.ADMIN], {"customer_id": seeded[customer].pk,
                                                           "dealer_id": org[dealer].pk, "amount": 200_000})
    sales = stock.get(stock="sales")
    for user in (users[Role.HQ_SALES], users[Role.DEALER_SALES]):
        client.force_login(user)
        page = client.get(reverse("analytics:dashboard", args=[sales.pk]))
        deals = next(card for card in page.context["charts"] if card["chart"].measure == "deals")
        rows = funnel.funnel(Opportunity.objects.restrict(user))
        assert deals["plot"]["values"] == [row.count for row in rows]
        assert deals["plot"]["labels"] == [row.label for row in rows]
    assert sum(deals["plot"]["values"]) == 1  # the dealer's own deal

    contact_center = stock.get(stock="contact_center")
    page = client.get(reverse("analytics:dashboard", args=[contact_center.pk])).content.decode()
    assert "Your role may not see these figures." in page  # a dealer is no contact-center supervisor
    client.force_login(users[Role.SUPERVISOR])
    page = client.get(reverse("analytics:dashboard", args=[contact_center.pk]))
    assert page.status_code == 200 and "Your role may not see" not in page.content.decode()
    assert client.get(reverse("analytics:dashboard_edit", args=[contact_center.pk])).status_code == 404


@SQLITE_ONLY
def test_a_chart_over_its_time_budget_says_so_and_the_others_still_show(client, users, seeded, monkeypatch):
    dashboard = _dashboard(users[Role.ANALYST], charts=(("customers", "tier", {}), ("customers", "rfm", {})))
    monkeypatch.setattr(dashboards, "SQLITE_CHECK_EVERY", 1)
    # the first chart has no time left (its message then names the usual budget), the second its own
    seconds = iter([-1, dashboards.CHART_SECONDS, dashboards.CHART_SECONDS])
    monkeypatch.setattr(dashboards, "chart_seconds", lambda: next(seconds))
    client.force_login(users[Role.ANALYST])
    page = client.get(reverse("analytics:dashboard", args=[dashboard.pk]))
    first, second = page.context["charts"]
    assert "took longer than" in first["error"] and "plot" not in first
    assert second["plot"]["values"] == [1, 1, 1]


def test_the_database_stops_a_query_over_the_budget(db):
    customers = Customer.objects.count()
    started = time.monotonic()
    with pytest.raises(OperationalError) as stopped:
        with dashboards.time_budget(0.2), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_sleep(5)")
            else:
                cursor.execute("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 50000000) "
                               "SELECT count(*) FROM n")
    assert is_over_budget(stopped.value) and time.monotonic() - started < 2
    assert Customer.objects.count() == customers  # the connection is usable afterwards


# --- who opens what, role by role ------------------------------------------------------------------


def _made(customers) -> dict:
    """Dashboards across owners: the analyst's private one, the dealer's shared one, a stock one."""
    ensure_stock_dashboards()
    analyst = User.objects.get(username=f"u_{Role.ANALYST}")
    dealer = User.objects.get(username=f"u_{Role.DEALER_SALES}")
    return {"private": _dashboard(analyst, "Private"), "shared": _dashboard(dealer, "Shared", shared=True),
            "stock": Dashboard.objects.get(stock="customer_value")}


class TestDashboardPages(AddPageIsolation):
    model = Dashboard
    add_url, detail_url, edit_url, delete_url = ("analytics:dashboard_add", "analytics:dashboard",
                                                 "analytics:dashboard_edit", "analytics:dashboard_delete")

    @staticmethod
    def objects(customers):
        return list(_made(customers).values())


class TestChartPages(PageIsolation):
    model = Chart
    edit_url, delete_url = "analytics:chart_edit", "analytics:chart_delete"

    @staticmethod
    def objects(customers):
        return [dashboard.charts.first() for dashboard in _made(customers).values()]


class TestDashboardList(ListPageIsolation):
    model, list_url = Dashboard, "analytics:dashboards"

    @staticmethod
    def prepare(users, customers):
        _made(customers)


@pytest.mark.parametrize("user_key", USER_KEYS)
def test_adding_charts_the_preview_and_the_api_answer_what_the_scope_allows(client, users, customers, user_key):
    made = _made(customers)
    user = User.objects.get(pk=users[user_key].pk)
    client.force_login(user)
    may_view = may(user, Dashboard.permission_key, "view")
    assert client.get(f"{API}/catalogue").status_code == (200 if may_view else 403)
    if may_view:
        readable = {measure["key"] for measure in client.get(f"{API}/catalogue").json()["measures"]}
        assert ("offered" in readable) == may(user, "contact_center.staffing", "view")
    listed = client.get(f"{API}/dashboards", {"page_size": 200})
    assert {row["id"] for row in listed.json()["results"]} == set(
        Dashboard.objects.restrict(user).values_list("pk", flat=True))
    chart = {"measure": "customers", "dimension": "tier", "chart_type": "bar", "position": 5}
    for dashboard in made.values():
        viewing, changing = expected(user, Dashboard, dashboard, "view"), expected(user, Dashboard, dashboard, "change")
        assert client.get(f"{API}/dashboards/{dashboard.pk}").status_code == viewing
        charts = client.get(f"{API}/dashboards/{dashboard.pk}/charts", {"page_size": 200})
        assert charts.status_code == viewing
        first = dashboard.charts.first()
        assert client.get(f"{API}/charts/{first.pk}").status_code == viewing
        data = client.get(f"{API}/charts/{first.pk}/data")
        readable = may(user, Customer.permission_key, "view")
        assert data.status_code == (viewing if viewing != 200 or readable else 403), (dashboard, data.content)
        before = dashboard.charts.count()
        assert client.get(reverse("analytics:chart_add", args=[dashboard.pk])).status_code == changing
        assert client.post(reverse("analytics:chart_preview", args=[dashboard.pk]), chart).status_code == changing
        assert client.post(reverse("analytics:chart_add", args=[dashboard.pk]), chart).status_code == \
            (302 if changing == 200 else changing)
        created = client.post(f"{API}/dashboards/{dashboard.pk}/charts", chart, content_type="application/json")
        assert created.status_code == (201 if changing == 200 else changing)
        assert dashboard.charts.count() == before + (2 if changing == 200 else 0)
    made_one = client.post(f"{API}/dashboards", {"name": "Mine"}, content_type="application/json")
    assert made_one.status_code == (201 if may(user, Dashboard.permission_key, "add") else 403)
    if made_one.status_code == 201:
        assert Dashboard.objects.get(pk=made_one.json()["id"]).owner == user
