"""The loop between head office and the dealers, through the API: a lead is captured, handed to a
dealer, accepted (or reassigned when nobody accepts in time), worked and reported back."""

import datetime as dt
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone

from guanxi.core.jobs import system_actor
from guanxi.core.models import Notification
from guanxi.core.outbox import dispatch
from guanxi.customers.models import Consent, Customer, CustomerRelationship, RelationshipKind, Stage, Vehicle
from guanxi.sales import assignment
from guanxi.sales.models import DealerDesk, Lead, LeadEvent, LeadStatus, LostReason, Product, ProductKind

pytestmark = pytest.mark.django_db

HOT_PASSAT = {"name": "赵敏", "phone": "13911112222", "model": "帕萨特 Passat", "timeframe": "hot",
              "province": "上海", "city": "上海", "budget": "220000", "payment": "loan"}


def post(client, user, url, body=None):
    client.force_login(user)
    return client.post(url, body or {}, content_type="application/json")


def kinds(lead):
    return list(LeadEvent.objects.filter(lead_id=lead["id"] if isinstance(lead, dict) else lead.pk)
                .values_list("kind", flat=True))


def test_a_hotline_lead_walks_the_whole_loop_to_an_order(client, users, rules, org):
    captured = post(client, users["agent"], "/api/leads", HOT_PASSAT)
    assert captured.status_code == 201, captured.content
    lead = captured.json()
    assert lead["status"] == "assigned" and lead["dealer_id"] in (org["D-SH1"].pk, org["D-SH2"].pk)
    assert lead["why_dealer"][0] == ["rule", "上海"]
    customer = Customer.objects.get(pk=lead["customer_id"])
    assert customer.lifecycle_stage == Stage.PROSPECT and customer.source == "hotline"
    assert CustomerRelationship.objects.filter(customer=customer, org_unit_id=lead["dealer_id"],
                                               kind=RelationshipKind.LEAD, until__isnull=True).exists()
    dealer_user = users["dealer_sales"]
    if lead["dealer_id"] != org["D-SH1"].pk:  # hand it to the fixture's dealer user's dealer
        lead = post(client, users["hq_sales"], f"/api/leads/{lead['id']}/assign", {"dealer_id": org["D-SH1"].pk}).json()
    assert post(client, dealer_user, f"/api/leads/{lead['id']}/accept").json()["status"] == "accepted"
    for kind, status in (("contacted", "contacted"), ("test_drive", "qualified"), ("quote", "qualified"),
                         ("order", "converted")):
        answer = post(client, dealer_user, f"/api/leads/{lead['id']}/report", {"kind": kind, "note": kind})
        assert answer.status_code == 200 and answer.json()["status"] == status, answer.content
    customer.refresh_from_db()
    assert customer.lifecycle_stage == Stage.CONTRACTED
    assert list(customer.stage_changes.values_list("to_stage", flat=True))[:2] == [Stage.CONTRACTED, Stage.OPPORTUNITY]
    assert kinds(lead)[-5:] == ["accepted", "contacted", "test_drive", "quote", "order"]
    desk = DealerDesk.objects.get(dealer=org["D-SH1"])
    assert (desk.accepted_in_time, desk.contacted_in_time) == (1, 1)
    events = client.get(f"/api/leads/{lead['id']}/events").json()
    assert [event["kind"] for event in events] == kinds(lead)


def test_a_lead_nobody_accepts_in_time_goes_to_the_next_dealer_on_the_worker_clock(client, users, rules, org):
    lead = post(client, users["agent"], "/api/leads", HOT_PASSAT).json()
    first = lead["dealer_id"]
    accept_by = dt.datetime.fromisoformat(lead["accept_by"])
    assert dt.timedelta(hours=2) <= accept_by - dt.datetime.fromisoformat(lead["assigned_at"]) <= dt.timedelta(hours=17)
    assert assignment.sweep(system_actor(), accept_by - dt.timedelta(minutes=1)) == (0, 0)
    assert assignment.sweep(system_actor(), accept_by + dt.timedelta(minutes=1)) == (1, 0)
    moved = Lead.objects.get(pk=lead["id"])
    assert moved.dealer_id not in (first, None) and moved.tried_dealers == [first] and moved.status == "assigned"
    assert kinds(lead)[-1] == "reassigned"
    assert not CustomerRelationship.objects.filter(customer_id=lead["customer_id"], org_unit_id=first,
                                                   kind=RelationshipKind.LEAD, until__isnull=True).exists()
    # the second Shanghai dealer misses it too: the catch-all dealer gets it; then nobody is left
    assert assignment.sweep(system_actor(), moved.accept_by + dt.timedelta(minutes=1)) == (1, 0)
    last = Lead.objects.get(pk=lead["id"])
    assert last.dealer_id == org["D-GZ1"].pk
    assert assignment.sweep(system_actor(), last.accept_by + dt.timedelta(minutes=1)) == (0, 1)
    assert Lead.objects.get(pk=lead["id"]).escalated_at is not None
    assert assignment.sweep(system_actor(), last.accept_by + dt.timedelta(hours=1)) == (0, 0)  # once


def test_a_lead_handed_out_on_the_eve_of_spring_festival_falls_due_after_the_holiday(client, users, rules, org):
    """Dealers close for Spring Festival (15–23 February 2026): the accept clock stops with them,
    and the Saturday worked before it (调休) counts even for a desk that works Monday to Friday."""
    shanghai = zoneinfo.ZoneInfo("Asia/Shanghai")
    DealerDesk.objects.filter(dealer=org["D-SH1"]).update(working_days="12345")
    lead = post(client, users["hq_sales"], "/api/leads", {**HOT_PASSAT, "dealer_id": org["D-SH1"].pk}).json()
    eve = dt.datetime(2026, 2, 14, 17, tzinfo=shanghai)  # one working hour left before the holiday
    assignment.hand_over(Lead.objects.get(pk=lead["id"]), org["D-SH1"].pk, [("chosen_by_hq", None)],
                         users["hq_sales"], now=eve)
    due = Lead.objects.get(pk=lead["id"]).accept_by
    assert due == dt.datetime(2026, 2, 24, 10, tzinfo=shanghai)  # Tuesday, the first day back
    assert assignment.sweep(system_actor(), dt.datetime(2026, 2, 20, 12, tzinfo=shanghai)) == (0, 0)
    assert assignment.sweep(system_actor(), due + dt.timedelta(minutes=1)) == (1, 0)


def test_a_lead_accepted_but_not_called_within_a_day_is_escalated_to_head_office(client, users, rules, org):
    lead = post(client, users["hq_sales"], "/api/leads", {**HOT_PASSAT, "dealer_id": org["D-SH1"].pk}).json()
    accepted = post(client, users["dealer_sales"], f"/api/leads/{lead['id']}/accept").json()
    due = dt.datetime.fromisoformat(accepted["contact_by"])
    assert due - dt.datetime.fromisoformat(accepted["accepted_at"]) == dt.timedelta(hours=24)
    assert assignment.sweep(system_actor(), due + dt.timedelta(minutes=1)) == (0, 1)
    dispatch()
    told = Notification.objects.filter(link=f"/sales/leads/{lead['id']}/")
    assert users["hq_sales"].pk in set(told.values_list("user_id", flat=True))
    assert users["dealer_sales"].pk not in set(told.filter(title__contains="needs").values_list("user_id", flat=True))


def test_a_rejected_lead_goes_to_the_next_dealer_with_the_reason_kept(client, users, rules, org):
    lead = post(client, users["hq_sales"], "/api/leads", {**HOT_PASSAT, "dealer_id": org["D-SH1"].pk}).json()
    assert post(client, users["dealer_sales"], f"/api/leads/{lead['id']}/reject", {"reason": " "}).status_code == 422
    moved = post(client, users["dealer_sales"], f"/api/leads/{lead['id']}/reject", {"reason": "不在我们的区域"})
    assert moved.status_code == 200 and moved.json()["dealer_id"] == org["D-SH2"].pk
    assert LeadEvent.objects.get(lead_id=lead["id"], kind="rejected").note == "不在我们的区域"
    # the lead and its customer are out of the first dealer's sight now
    assert client.get(f"/api/leads/{lead['id']}").status_code == 404
    assert client.get(f"/api/customers/{lead['customer_id']}").status_code == 404


def test_a_known_owner_asking_again_is_a_repurchase_lead_for_the_dealer_that_sold_the_car(
        client, users, rules, org, customers):
    Vehicle.objects.filter(vin="LSVAU218XN2183294").update(selling_dealer=org["D-SH1"])
    answer = post(client, users["agent"], "/api/leads",
                  {"phone": "+86 138-0013-8000", "model": "途观L Tiguan L", "province": "广东"})
    assert answer.status_code == 201, answer.content
    lead = answer.json()
    assert lead["customer_id"] == customers["zhang"].pk and lead["repurchase"] is True
    assert lead["dealer_id"] == org["D-SH1"].pk and lead["why_dealer"] == [["previous_dealer", None]]
    assert Customer.objects.filter(name="张伟").count() == 1


def test_a_dealer_capturing_a_walk_in_keeps_it_and_matches_only_its_own_customers(client, users, rules, org,
                                                                                      customers):
    walk_in = post(client, users["dealer_sales"], "/api/leads",
                   {"name": "王芳", "phone": "13700137000", "model": "朗逸 Lavida", "source": "walk_in"})
    assert walk_in.status_code == 201, walk_in.content
    lead = walk_in.json()
    assert lead["dealer_id"] == org["D-SH1"].pk and lead["status"] == "accepted"
    assert lead["customer_id"] != customers["wang"].pk  # D-GZ1's customer is not found through the form


def test_bad_leads_are_refused_naming_the_field_and_write_nothing(client, users, rules, org):
    before = Lead.objects.count(), Customer.objects.count()
    cases = [
        ({"model": "帕萨特"}, "phone"),
        ({**HOT_PASSAT, "name": ""}, "name"),
        ({**HOT_PASSAT, "phone": "12"}, "phone"),
        ({**HOT_PASSAT, "budget": "-1"}, "budget"),
        ({**HOT_PASSAT, "timeframe": "someday"}, "timeframe"),
        ({**HOT_PASSAT, "dealer_id": 999999}, "dealer_id"),
    ]
    for body, field in cases:
        answer = post(client, users["hq_sales"], "/api/leads", body)
        assert answer.status_code == 422, (body, answer.content)
        assert field in {error["field"].split(".")[-1] for error in answer.json()["detail"]}, answer.json()
    assert (Lead.objects.count(), Customer.objects.count()) == before


def test_impossible_steps_are_refused_until_the_lead_is_reopened(client, users, rules, org):
    lead = post(client, users["hq_sales"], "/api/leads", {**HOT_PASSAT, "dealer_id": org["D-SH1"].pk}).json()
    url = f"/api/leads/{lead['id']}"
    dealer = users["dealer_sales"]
    assert post(client, dealer, f"{url}/report", {"kind": "lost"}).status_code == 422  # no reason
    assert post(client, dealer, f"{url}/report", {"kind": "captured"}).status_code == 422
    price = LostReason.objects.get(code="price")
    lost = post(client, dealer, f"{url}/report", {"kind": "lost", "reason_id": price.pk})
    assert lost.json()["status"] == "lost" and lost.json()["lost_reason_id"] == price.pk
    refused = post(client, dealer, f"{url}/report", {"kind": "quote"})
    assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "kind"
    assert post(client, dealer, f"{url}/accept").status_code == 422
    assert post(client, dealer, f"{url}/reopen", {"note": "客户又来电"}).json()["status"] == "accepted"
    assert post(client, dealer, f"{url}/report", {"kind": "quote"}).json()["status"] == "qualified"


def test_the_web_form_makes_a_web_lead_with_consent_and_keeps_robots_out(client, rules, org, settings):
    from django.core import signing

    from guanxi.sales.forms import STAMP_SALT

    page = client.get("/sales/enquiry/")
    assert page.status_code == 200
    fresh_stamp = page.context["form"].initial["stamp"]
    opened_a_minute_ago = signing.dumps(timezone.now().timestamp() - 60, salt=STAMP_SALT)
    body = {"name": "钱多多", "phone": "13612345678", "model": "帕萨特", "timeframe": "mid", "province": "上海",
            "consent": "on", "stamp": opened_a_minute_ago}
    assert client.post("/sales/enquiry/", {**body, "stamp": fresh_stamp}).status_code == 422  # seconds: a script
    assert client.post("/sales/enquiry/", {**body, "website": "http://spam"}).status_code == 422
    assert client.post("/sales/enquiry/", {**body, "stamp": "forged"}).status_code == 422
    assert client.post("/sales/enquiry/", {**body, "consent": ""}).status_code == 422
    assert not Lead.objects.exists()
    sent = client.post("/sales/enquiry/", body)
    assert sent.status_code == 200 and "sales/enquiry_sent.html" in [t.name for t in sent.templates]
    lead = Lead.objects.get()
    assert lead.source == "web" and lead.status == LeadStatus.ASSIGNED and lead.sender_key
    assert Consent.objects.filter(customer=lead.customer, channel="phone", purpose="marketing", granted=True).exists()
    for _ in range(4):
        assert client.post("/sales/enquiry/", body).status_code == 200
    flood = client.post("/sales/enquiry/", body)
    assert flood.status_code == 429 and Lead.objects.count() == 5


def test_the_dealer_hears_of_a_new_lead_with_the_time_to_accept_by(client, users, rules, org):
    lead = post(client, users["agent"], "/api/leads", {**HOT_PASSAT, "dealer_id": None, "province": "广东"}).json()
    assert lead["dealer_id"] == org["D-GZ1"].pk
    dispatch()
    told = Notification.objects.get(user=users["other_dealer"])
    assert told.link == f"/sales/leads/{lead['id']}/" and "帕萨特" in told.title
    assert not Notification.objects.filter(user=users["dealer_sales"]).exists()


def test_the_dealer_league_shows_each_dealers_follow_up_and_a_dealer_only_its_own(client, users, rules, org):
    hq = users["hq_sales"]
    handed = [post(client, hq, "/api/leads", {**HOT_PASSAT, "phone": f"1391111{n:04d}", "dealer_id": dealer.pk}).json()
              for n, dealer in enumerate([org["D-SH1"]] * 3 + [org["D-GZ1"]] * 2)]
    sh1, gz1 = handed[:3], handed[3:]
    dealer = users["dealer_sales"]
    post(client, dealer, f"/api/leads/{sh1[0]['id']}/accept")
    post(client, dealer, f"/api/leads/{sh1[0]['id']}/report", {"kind": "order"})
    price = LostReason.objects.get(code="price")
    post(client, dealer, f"/api/leads/{sh1[1]['id']}/report", {"kind": "lost", "reason_id": price.pk})
    Lead.objects.filter(pk=gz1[0]["id"]).update(created_at=timezone.now() - dt.timedelta(days=10))
    client.force_login(hq)
    answer = client.get("/api/lead-league").json()
    rows = {row["dealer_id"]: row for row in answer["dealers"]}
    assert {key: rows[org["D-SH1"].pk][key] for key in ("received", "accepted_in_time", "called_in_time",
                                                           "converted", "lost", "waiting")} == {
        "received": 3, "accepted_in_time": 2, "called_in_time": 2, "converted": 1, "lost": 1, "waiting": 1}
    assert rows[org["D-SH1"].pk]["top_lost_reason"] in ("价格不合适", "Price")
    assert rows[org["D-GZ1"].pk]["received"] == 2 and rows[org["D-GZ1"].pk]["waiting"] == 2
    by_age = {tuple(band["days"]): sum(band["counts"]) for band in answer["ageing"]}
    assert by_age[(0, 1)] == 2 and by_age[(7, 30)] == 1  # open: SH1's third and GZ1's two, one ten days old
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    assert client.get("/api/lead-league", {"since": tomorrow}).json()["dealers"] == []
    client.force_login(dealer)
    assert [row["dealer_id"] for row in client.get("/api/lead-league").json()["dealers"]] == [org["D-SH1"].pk]
    page = client.get("/sales/league/")
    assert page.status_code == 200 and [row.dealer_id for row in page.context["rows"]] == [org["D-SH1"].pk]


def test_an_auto_show_list_is_captured_whole_or_not_at_all_and_handed_out_by_the_rules(client, users, rules, org):
    """Bulk capture: a refused row is named by its place in the list and nothing is kept; a good
    list is handed to the dealers the rules choose (Shanghai's two dealers take turns, the
    catch-all takes the rest), a named dealer gets its lead, and each dealer sees its customer."""
    visitors = [{**HOT_PASSAT, "name": name, "phone": f"1391234{n:04d}", "source": "auto_show"}
                for n, name in enumerate(("周杰", "吴琼", "郑爽"))]
    elsewhere = {**HOT_PASSAT, "name": "冯巩", "phone": "13912349999", "province": "四川", "city": "成都"}
    named = {**HOT_PASSAT, "name": "陈红", "email": "chen.hong@example.cn", "phone": None, "dealer_id": org["D-GZ1"].pk}
    before = Lead.objects.count(), Customer.objects.count()
    refused = post(client, users["hq_sales"], "/api/leads/bulk",
                   {"leads": [visitors[0], {**visitors[1], "phone": "12"}, {**visitors[2], "name": ""}]})
    assert refused.status_code == 422, refused.content
    assert {error["field"] for error in refused.json()["detail"]} == {"leads[1].phone", "leads[2].name"}
    assert (Lead.objects.count(), Customer.objects.count()) == before

    answer = post(client, users["hq_sales"], "/api/leads/bulk", {"leads": [*visitors, elsewhere, named]})
    assert answer.status_code == 201, answer.content
    captured = answer.json()
    assert [lead["source"] for lead in captured[:3]] == ["auto_show"] * 3
    dealers = [lead["dealer_id"] for lead in captured]
    shanghai = {org["D-SH1"].pk, org["D-SH2"].pk}
    assert set(dealers[:3]) == shanghai  # round robin between the two Shanghai dealers
    assert dealers[3:] == [org["D-GZ1"].pk, org["D-GZ1"].pk]  # the catch-all rule; the dealer named
    assert all(lead["status"] == LeadStatus.ASSIGNED for lead in captured)
    for lead in Lead.objects.filter(pk__in=[row["id"] for row in captured]):
        assert CustomerRelationship.objects.filter(customer=lead.customer, org_unit=lead.dealer,
                                                   kind=RelationshipKind.LEAD).exists()
        assert kinds(lead) == ["captured", "assigned"]


def test_a_dealers_bulk_capture_naming_another_dealers_customer_is_refused_by_row(client, users, rules, customers):
    before = Lead.objects.count()
    answer = post(client, users["dealer_sales"], "/api/leads/bulk",
                  {"leads": [HOT_PASSAT, {"customer_id": customers["wang"].pk, "model": "帕萨特"}]})
    assert answer.status_code == 422, answer.content
    assert [error["field"] for error in answer.json()["detail"]] == ["leads[1].customer_id"]
    assert Lead.objects.count() == before


def test_a_bulk_capture_of_more_than_500_leads_is_refused(client, users, rules):
    rows = [{**HOT_PASSAT, "phone": f"139{n:08d}"} for n in range(501)]
    answer = post(client, users["hq_sales"], "/api/leads/bulk", {"leads": rows})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["field"] == "leads"


def test_head_office_keeps_the_lost_reasons_and_a_retired_one_is_no_longer_offered(client, users, rules, org):
    client.force_login(users["hq_sales"])
    answer = client.post(reverse("sales:reason_add"), {"code": "test_drive_bad", "name": "试驾体验不佳",
                                                     "name_en": "Disappointing test drive", "active": "on"})
    assert answer.status_code == 302, answer.content
    added = LostReason.objects.get(code="test_drive_bad")
    assert "试驾体验不佳" in client.get(reverse("sales:reasons")).content.decode()
    assert added.pk in {row["id"] for row in client.get("/api/lost-reasons").json()}
    lead = post(client, users["hq_sales"], "/api/leads", {**HOT_PASSAT, "dealer_id": org["D-SH1"].pk}).json()
    client.post(reverse("sales:reason_edit", args=[added.pk]),
                {"code": "test_drive_bad", "name": "试驾体验不佳", "name_en": "Disappointing test drive"})
    assert added.pk not in {row["id"] for row in client.get("/api/lost-reasons").json()}
    refused = post(client, users["dealer_sales"], f"/api/leads/{lead['id']}/report",
                   {"kind": "lost", "reason_id": added.pk})
    assert refused.status_code == 422, refused.content
    client.force_login(users["dealer_sales"])
    assert client.get(reverse("sales:reason_add")).status_code == 403  # dealers use the list, not keep it


def test_once_the_catalog_lists_car_models_a_lead_or_deal_must_name_one(client, users, rules, org):
    Product.objects.create(code="passat", name="帕萨特 Passat", kind=ProductKind.MODEL)
    hq = users["hq_sales"]
    unknown = post(client, hq, "/api/leads", {**HOT_PASSAT, "model": "an unknown model"})
    assert unknown.status_code == 422
    assert [error["field"] for error in unknown.json()["detail"]] == ["model"]
    bulk = post(client, hq, "/api/leads/bulk", {"leads": [HOT_PASSAT, {**HOT_PASSAT, "model": "Golf GTI"}]})
    assert [error["field"] for error in bulk.json()["detail"]] == ["leads[1].model"]
    lead = post(client, hq, "/api/leads", {**HOT_PASSAT, "model": " 帕萨特 PASSAT ", "dealer_id": org["D-SH1"].pk})
    assert lead.json()["model"] == "帕萨特 Passat"  # the catalog's spelling
    changed = client.patch(f"/api/leads/{lead.json()['id']}", {"model": "Golf GTI"}, content_type="application/json")
    assert changed.status_code == 422
    deal = post(client, users["dealer_manager"], f"/api/customers/{lead.json()['customer_id']}/opportunities",
                {"lead_id": lead.json()["id"], "model": "Golf GTI", "amount": "200000"})
    assert deal.status_code == 422 and deal.json()["detail"][0]["field"] == "model", deal.content
