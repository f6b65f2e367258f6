"""Deals along the funnel, and the funnel and forecast head office and dealers read."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from guanxi.core.roles import Role
from guanxi.customers.models import Customer, CustomerRelationship, RelationshipKind, Stage
from guanxi.sales import funnel
from guanxi.sales.filtersets import OpportunityFilterSet
from guanxi.sales.models import (
    FunnelCell,
    Lead,
    LostReason,
    Opportunity,
    OpportunityStage,
    OpportunityStep,
    SalesTarget,
    StageProbability,
)

pytestmark = pytest.mark.django_db

WAN = Decimal("10000")


def post(client, user, url, body=None):
    client.force_login(user)
    return client.post(url, body or {}, content_type="application/json")


def test_the_seeds_funnel_is_reproduced_with_the_weighted_forecast(client, users, customers, org):
    """80 customers / 1,125万 → 30 / 318万 → 16 / 168万 → 10 / 108万; weighted by head office's
    10 / 30 / 60 / 90 %; lost deals weigh nothing, won ones count whole."""
    now = timezone.now()
    seeds = [(OpportunityStage.INITIAL, 80, 1125), (OpportunityStage.INTENT, 30, 318),
             (OpportunityStage.NEGOTIATION, 16, 168), (OpportunityStage.CONTRACT, 10, 108),
             (OpportunityStage.LOST, 5, 60), (OpportunityStage.WON, 2, 30)]
    deals = []
    for stage, count, total_wan in seeds:
        for number in range(count):
            dealer = org["D-SH1"] if number % 2 else org["D-GZ1"]
            deals.append(Opportunity(name=f"{stage}-{number}", customer=customers["zhang"], dealer=dealer,
                                     amount=total_wan * WAN / count, stage=stage, stage_since=now))
    Opportunity.objects.bulk_create(deals)
    client.force_login(users[Role.HQ_SALES])
    answer = client.get("/api/funnel")
    assert answer.status_code == 200, answer.content
    rows = {row["stage"]: row for row in answer.json()["rows"]}
    expected = {"initial": (80, 1125, 10), "intent": (30, 318, 30), "negotiation": (16, 168, 60),
                "contract": (10, 108, 90), "won": (2, 30, 100), "lost": (5, 60, 0)}
    for stage, (count, total_wan, probability) in expected.items():
        row = rows[stage]
        assert (row["count"], Decimal(row["amount"]), row["probability"]) == (count, total_wan * WAN, probability)
        assert Decimal(row["weighted"]) == total_wan * WAN * probability / 100
    # 112.5 + 95.4 + 100.8 + 97.2 = 405.9 万 open, and 30 万 won
    assert Decimal(answer.json()["forecast"]) == Decimal("4359000.00")
    # a deal's own probability wins over the stage's; head office may change a stage's
    one = Opportunity.objects.filter(stage=OpportunityStage.CONTRACT).first()
    one.probability = 50
    one.save()
    StageProbability.objects.filter(stage=OpportunityStage.INITIAL).update(probability=20)
    rows = {row["stage"]: row for row in client.get("/api/funnel").json()["rows"]}
    assert Decimal(rows["initial"]["weighted"]) == 1125 * WAN * 20 / 100
    assert Decimal(rows["contract"]["weighted"]) == 108 * WAN * 90 / 100 - one.amount * 40 / 100
    # a dealer reads its own half only; the filters narrow it further
    client.force_login(users[Role.DEALER_SALES])
    mine = {row["stage"]: row["count"] for row in client.get("/api/funnel").json()["rows"]}
    assert mine == {"initial": 40, "intent": 15, "negotiation": 8, "contract": 5, "won": 1, "lost": 2}
    client.force_login(users[Role.HQ_SALES])
    south = client.get("/api/funnel", {"region": org["R-SOUTH"].pk}).json()["rows"]
    assert sum(row["count"] for row in south) == 72
    page = client.get(reverse("sales:funnel"), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and [row.count for row in page.context["rows"]] == [80, 30, 16, 10, 2, 5]
    assert "CNY 5,440,800.00" in page.content.decode()  # 225 + 95.4 + 100.8 + 92.88 + 30 万


def test_a_deal_from_a_lead_walks_the_funnel_to_won_and_closes_the_lead(client, users, customers, org):
    dealer = users[Role.DEALER_SALES]
    lead = Lead.objects.create(customer=customers["zhang"], model="帕萨特 Passat", budget=Decimal("230000"),
                               dealer=org["D-SH1"], status="accepted")
    opened = post(client, dealer, f"/api/customers/{customers['zhang'].pk}/opportunities", {"lead_id": lead.pk})
    assert opened.status_code == 201, opened.content
    deal = opened.json()
    assert (deal["dealer_id"], deal["model"], Decimal(deal["amount"]), deal["stage"]) == (
        org["D-SH1"].pk, "帕萨特 Passat", Decimal("230000"), "initial")
    assert CustomerRelationship.objects.filter(customer=customers["zhang"], org_unit=org["D-SH1"],
                                               kind=RelationshipKind.SALES, until__isnull=True).exists()
    url = f"/api/opportunities/{deal['id']}"
    for stage in ("intent", "negotiation", "intent", "negotiation", "contract", "won"):
        moved = post(client, dealer, f"{url}/stage", {"stage": stage})
        assert moved.status_code == 200 and moved.json()["stage"] == stage, moved.content
    steps = client.get(f"{url}/steps").json()
    assert [step["to_stage"] for step in steps] == ["initial", "intent", "negotiation", "intent", "negotiation",
                                                     "contract", "won"]
    assert all(step["days_in_previous"] is not None for step in steps[1:])
    lead.refresh_from_db()
    assert lead.status == "converted"
    assert Customer.objects.get(pk=customers["zhang"].pk).lifecycle_stage == Stage.CONTRACTED
    refused = post(client, dealer, f"{url}/stage", {"stage": "negotiation"})
    assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "stage"
    assert post(client, dealer, f"{url}/reopen").status_code == 422  # only a lost deal reopens


def test_a_lost_deal_needs_a_reason_and_reopens_where_it_was_lost(client, users, customers, org):
    hq = users[Role.HQ_SALES]
    deal = post(client, hq, f"/api/customers/{customers['wang'].pk}/opportunities",
                {"model": "途昂", "amount": "350000"}).json()
    assert deal["dealer_id"] == org["D-GZ1"].pk  # the customer's home dealer
    url = f"/api/opportunities/{deal['id']}"
    post(client, hq, f"{url}/stage", {"stage": "negotiation"})
    assert post(client, hq, f"{url}/stage", {"stage": "lost"}).status_code == 422
    reason = LostReason.objects.get(code="bought_competitor")
    lost = post(client, hq, f"{url}/stage", {"stage": "lost", "reason_id": reason.pk}).json()
    assert lost["stage"] == "lost" and lost["lost_reason_id"] == reason.pk and lost["closed_at"]
    assert post(client, hq, f"{url}/stage", {"stage": "intent"}).status_code == 422
    back = post(client, hq, f"{url}/reopen", {"note": "客户回心转意"}).json()
    assert back["stage"] == "negotiation" and back["lost_reason_id"] is None and back["closed_at"] is None


def test_bad_deals_are_refused_naming_the_field(client, users, customers, org):
    dealer = users[Role.DEALER_SALES]
    url = f"/api/customers/{customers['zhang'].pk}/opportunities"
    for body, field in (({"amount": "-1"}, "amount"), ({"amount": "1", "probability": 101}, "probability"),
                        ({}, "amount"), ({"amount": "1", "dealer_id": org["D-GZ1"].pk}, "dealer_id"),
                        ({"amount": "1", "expected_close": "1800-01-01"}, "expected_close")):
        answer = post(client, dealer, url, body)
        assert answer.status_code == 422, (body, answer.content)
        assert field in {error["field"] for error in answer.json()["detail"]}, answer.json()
    assert not Opportunity.objects.exists()


def test_two_people_editing_one_deal_the_second_is_told(client, users, customers, org):
    deal = Opportunity.objects.create(name="张伟 · 帕萨特", customer=customers["zhang"], dealer=org["D-SH1"],
                                      amount=Decimal("200000"), stage_since=timezone.now())
    client.force_login(users[Role.DEALER_SALES])
    edit = reverse("sales:opportunity_edit", args=[deal.pk])
    version = client.get(edit).context["version"]
    client.force_login(users[Role.DEALER_MANAGER])
    first = client.post(edit, {"name": deal.name, "amount": "210000", "version": client.get(edit).context["version"]})
    assert first.status_code == 302
    client.force_login(users[Role.DEALER_SALES])
    second = client.post(edit, {"name": deal.name, "amount": "190000", "version": version})
    assert second.status_code == 422 and "u_dealer_manager" in second.content.decode()
    assert Opportunity.objects.get(pk=deal.pk).amount == Decimal("210000")


def test_the_funnel_gives_conversion_and_days_per_stage_from_the_history(client, users, customers, org):
    hq = users[Role.HQ_SALES]
    ids = [post(client, hq, f"/api/customers/{customers['zhang'].pk}/opportunities", {"amount": "100000"}).json()["id"]
           for _ in range(4)]
    Opportunity.objects.filter(pk__in=ids[:2]).update(stage_since=timezone.now() - dt.timedelta(days=3))
    for pk in ids[:2]:
        post(client, hq, f"/api/opportunities/{pk}/stage", {"stage": "intent"})
    Opportunity.objects.filter(pk=ids[0]).update(stage_since=timezone.now() - dt.timedelta(days=5))
    post(client, hq, f"/api/opportunities/{ids[0]}/stage", {"stage": "negotiation"})
    rows = {row["stage"]: row for row in client.get("/api/funnel").json()["rows"]}
    assert (rows["initial"]["reached"], rows["intent"]["reached"], rows["negotiation"]["reached"]) == (4, 2, 1)
    assert rows["initial"]["conversion"] == 0.5 and rows["intent"]["conversion"] == 0.5
    # two deals left "initial" after 3 days, one left "intent" after 5; deals still in a stage do not count
    assert rows["initial"]["average_days"] == pytest.approx(3.0, abs=1e-3)
    assert rows["intent"]["average_days"] == pytest.approx(5.0, abs=1e-3)
    assert rows["negotiation"]["average_days"] is None
    assert list(OpportunityStep.objects.filter(opportunity_id=ids[0]).exclude(from_stage="")
                .values_list("days_in_previous", flat=True)) == pytest.approx([3.0, 5.0], abs=1e-3)


def test_the_forecast_is_read_against_each_regions_target_for_the_month(client, users, customers, org):
    now = timezone.now()
    month = timezone.localdate().replace(day=1)
    closes = month.replace(day=15)
    SalesTarget.objects.create(region=org["R-EAST"], month=month.replace(day=9), amount=Decimal("1000000"))
    SalesTarget.objects.create(region=org["R-SOUTH"], month=month, amount=Decimal("500000"))
    Opportunity.objects.bulk_create([
        Opportunity(name="a", customer=customers["zhang"], dealer=org["D-SH1"], amount=Decimal("200000"),
                    stage=OpportunityStage.NEGOTIATION, expected_close=closes, stage_since=now),  # 60%: 120,000
        Opportunity(name="b", customer=customers["li"], dealer=org["D-SH2"], amount=Decimal("300000"),
                    stage=OpportunityStage.WON, stage_since=now, closed_at=now),  # won: 300,000
        Opportunity(name="c", customer=customers["li"], dealer=org["D-SH2"], amount=Decimal("900000"),
                    stage=OpportunityStage.CONTRACT, expected_close=closes + dt.timedelta(days=40),
                    stage_since=now),  # next month's: not counted
        Opportunity(name="d", customer=customers["wang"], dealer=org["D-GZ1"], amount=Decimal("100000"),
                    stage=OpportunityStage.LOST, expected_close=closes, stage_since=now, closed_at=now),
    ])
    client.force_login(users[Role.HQ_SALES])
    rows = {row["region"]: row for row in client.get("/api/forecast-vs-target").json()}
    assert (Decimal(rows["R-EAST"]["target"]), Decimal(rows["R-EAST"]["won"]), Decimal(rows["R-EAST"]["forecast"])) == (
        Decimal("1000000"), Decimal("300000"), Decimal("420000"))
    assert rows["R-EAST"]["attainment"] == pytest.approx(0.42)
    assert Decimal(rows["R-SOUTH"]["forecast"]) == 0 and rows["R-SOUTH"]["attainment"] == 0
    next_month = (month + dt.timedelta(days=32)).strftime("%Y-%m")
    later = {row["region"]: row for row in client.get("/api/forecast-vs-target", {"month": next_month}).json()}
    assert Decimal(later["R-EAST"]["forecast"]) == Decimal("810000.00") and later["R-EAST"]["target"] is None
    client.force_login(users["other_dealer"])  # a dealer of the south sees no other region
    assert [row["region"] for row in client.get("/api/forecast-vs-target").json()] in ([], ["R-SOUTH"])
    page = client.get(reverse("sales:funnel"))
    assert page.status_code == 200


def test_a_test_drive_planned_for_a_deal_shows_on_the_deal_and_in_the_salespersons_day(client, users, customers, org):
    deal = Opportunity.objects.create(name="张伟 · 帕萨特", customer=customers["zhang"], dealer=org["D-SH1"],
                                      amount=Decimal("200000"), stage_since=timezone.now())
    client.force_login(users[Role.DEALER_SALES])
    due = (timezone.localtime() + dt.timedelta(days=1)).strftime("%Y-%m-%dT10:00")
    planned = client.post(reverse("sales:deal_activity_add", args=[deal.pk]),
                          {"kind": "meeting", "summary": "周六试驾 帕萨特", "due_at": due})
    assert planned.status_code == 302 and planned["Location"] == reverse("sales:opportunity", args=[deal.pk])
    page = client.get(reverse("sales:opportunity", args=[deal.pk]))
    assert [activity.summary for activity in page.context["activities"]] == ["周六试驾 帕萨特"]
    assert page.context["activities"][0].customer_id == customers["zhang"].pk
    client.force_login(users["other_dealer"])
    assert client.get(reverse("sales:deal_activity_add", args=[deal.pk])).status_code == 404


@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="the funnel's cells are kept on PostgreSQL only")
def test_the_funnel_read_from_its_cells_equals_the_funnel_read_from_the_deals(client, users, customers, org):
    """Every way deals are written (the services, bulk inserts, updates of a queryset, deletes)
    keeps the cells: head office's and a dealer's funnel, with the filters the cells know, equal
    the deals added up one by one; a filter the cells do not know reads the deals."""
    hq, now = users[Role.HQ_SALES], timezone.now()
    opened = (("zhang", "200000", "帕萨特", "D-SH1"), ("li", "150000", "朗逸", "D-SH2"),
              ("wang", "320000", "途观L", "D-GZ1"), ("zhang", "99000", "朗逸", "D-SH1"))
    made = [post(client, hq, f"/api/customers/{customers[key].pk}/opportunities",
                 {"amount": amount, "model": model, "dealer_id": org[dealer].pk}).json()["id"]
            for key, amount, model, dealer in opened]
    Opportunity.objects.filter(pk__in=made).update(stage_since=now - dt.timedelta(days=4))
    post(client, hq, f"/api/opportunities/{made[0]}/stage", {"stage": "intent"})
    post(client, hq, f"/api/opportunities/{made[0]}/stage", {"stage": "negotiation"})
    lost = {"stage": "lost", "reason_id": LostReason.objects.first().pk}
    post(client, hq, f"/api/opportunities/{made[1]}/stage", lost)
    post(client, hq, f"/api/opportunities/{made[1]}/reopen")
    client.patch(f"/api/opportunities/{made[2]}", {"probability": 55, "amount": "310000"},
                 content_type="application/json")
    Opportunity.objects.bulk_create([
        Opportunity(name=f"批量 {n}", customer=customers["li"], dealer=org["D-SH2"], amount=Decimal(1000 + n),
                    model="帕萨特", stage=stage, furthest=furthest, stage_since=now, days_initial=days)
        for n, (stage, furthest, days) in enumerate((("won", 4, 2.5), ("contract", 3, 1.0), ("initial", 0, None)))])
    Opportunity.objects.filter(name="批量 1").update(stage="lost")
    Opportunity.objects.filter(name="批量 2").delete()
    Opportunity.objects.filter(pk=made[3]).update(dealer=org["D-SH2"])
    assert FunnelCell.objects.filter(deals__lt=0).count() == 0

    def both(user, **params):
        request = RequestFactory().get("/", params)
        request.user = user
        filterset = OpportunityFilterSet(params or None, queryset=Opportunity.objects.restrict(user), request=request)
        assert not params or filterset.is_valid(), filterset.errors  # else both sides would read the deals
        return funnel.funnel_for(user, filterset), funnel.funnel(filterset.qs)

    def same(user, **params):
        from_cells, from_deals = both(user, **params)
        assert [(row.stage, row.count, row.amount, row.weighted, row.reached, row.conversion)
                for row in from_cells] == [(row.stage, row.count, row.amount, row.weighted, row.reached,
                                            row.conversion) for row in from_deals], (user, params)
        assert [row.average_days for row in from_cells] == pytest.approx(
            [row.average_days for row in from_deals], nan_ok=True), (user, params)

    everywhere = ({}, {"model": "帕萨"}, {"stage": "intent"})
    for user, params_list in ((hq, (*everywhere, {"region": org["R-EAST"].pk}, {"dealer": org["D-SH2"].pk})),
                              (users[Role.DEALER_SALES], everywhere),
                              (users["region_manager"], (*everywhere, {"dealer": org["D-SH2"].pk}))):
        for params in params_list:
            same(user, **params)
    assert any(row.count for row in both(hq)[0])
    assert sum(FunnelCell.objects.values_list("deals", flat=True)) == Opportunity.objects.count()
    FunnelCell.objects.update(deals=0, amount=0)  # as if written with the trigger off: the command mends it
    call_command("rebuild_funnel_cells", stdout=io.StringIO())
    same(hq)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # TRUNCATE waits for no deferred checks
        cursor.execute("TRUNCATE sales_opportunity CASCADE")
    assert not FunnelCell.objects.filter(deals__gt=0).exists()
