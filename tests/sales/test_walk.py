"""The issue's walk: a prospect from the web form to a lead, to a dealer (an SLA breach reassigns it
on the worker's clock), to a deal through every stage, a quote, an order, the contract, the car's
way and its delivery: the customer owns the car, the deal is won, the lead converted, the funnel
counts it."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core import signing
from django.utils import timezone

from guanxi.core.jobs import system_actor
from guanxi.core.roles import Role
from guanxi.customers.models import GuardedLookup, Ownership, Stage, Vehicle
from guanxi.sales import assignment
from guanxi.sales.forms import STAMP_SALT
from guanxi.sales.models import DealerDesk, Lead, Price, PriceList, Product

pytestmark = pytest.mark.django_db


def call(client, user, method, url, body=None):
    client.force_login(user)
    answer = getattr(client, method)(url, body or {}, content_type="application/json")
    assert answer.status_code in (200, 201), (url, answer.content)
    return answer.json()


def test_from_the_web_form_to_a_delivered_car(client, users, org, rules):
    today = timezone.localdate()
    car = Product.objects.create(code="passat", name="帕萨特 Passat 330TSI", kind="model")
    care = Product.objects.create(code="care-3y", name="三年保养套餐", kind="service")
    prices = PriceList.objects.create(name="2026", valid_from=today - dt.timedelta(days=10))
    Price.objects.create(price_list=prices, product=car, amount=Decimal("219900"))
    Price.objects.create(price_list=prices, product=care, amount=Decimal("4980"))
    DealerDesk.objects.filter(dealer=org["D-SH1"]).update(last_assigned_at=timezone.now())  # D-SH2's turn

    # 1. the prospect's own enquiry
    stamp = signing.dumps(timezone.now().timestamp() - 60, salt=STAMP_SALT)
    sent = client.post("/sales/enquiry/", {"name": "周杰", "phone": "13566667777", "email": "zhou.jie@example.cn",
                                           "model": "帕萨特 Passat 330TSI", "timeframe": "hot", "province": "上海",
                                           "consent": "on", "stamp": stamp})
    assert sent.status_code == 200
    lead = Lead.objects.get()
    assert (lead.source, lead.dealer_id, lead.status) == ("web", org["D-SH2"].pk, "assigned")

    # 2. D-SH2 does not accept in time: the worker hands it to D-SH1
    assert assignment.sweep(system_actor(), lead.accept_by + dt.timedelta(minutes=1)) == (1, 0)
    lead.refresh_from_db()
    assert lead.dealer_id == org["D-SH1"].pk and lead.tried_dealers == [org["D-SH2"].pk]

    # 3. D-SH1 works it: accepted, called, a deal through the stages
    dealer, manager, hq = users[Role.DEALER_SALES], users[Role.DEALER_MANAGER], users[Role.HQ_SALES]
    call(client, dealer, "post", f"/api/leads/{lead.pk}/accept")
    call(client, dealer, "post", f"/api/leads/{lead.pk}/report", {"kind": "contacted"})
    deal = call(client, dealer, "post", f"/api/customers/{lead.customer_id}/opportunities",
                {"lead_id": lead.pk, "amount": "224880"})
    for stage in ("intent", "negotiation"):
        call(client, dealer, "post", f"/api/opportunities/{deal['id']}/stage", {"stage": stage})

    # 4. a quote with a discount the manager approves, sent and ordered
    quote = call(client, dealer, "post", f"/api/opportunities/{deal['id']}/quotes",
                 {"lines": [{"product_id": car.pk, "discount_percent": "6"}, {"product_id": care.pk}]})
    assert quote["status"] == "approval", quote
    call(client, manager, "post", f"/api/quotes/{quote['id']}/approve")
    call(client, dealer, "post", f"/api/quotes/{quote['id']}/answer", {"status": "sent"})
    order = call(client, dealer, "post", f"/api/quotes/{quote['id']}/order")
    assert Decimal(order["amount"]) == Decimal("206706.00") + Decimal("4980")  # 219,900 − 6% + 4,980

    # 5. the contract, the car's way, the delivery
    call(client, dealer, "post", f"/api/orders/{order['id']}/contract", {"contract_number": "SH1-2026-0815"})
    assert call(client, hq, "get", f"/api/opportunities/{deal['id']}")["stage"] == "contract"
    client.force_login(dealer)
    early = client.post(f"/api/orders/{order['id']}/step", {"step": "deliver"}, content_type="application/json")
    assert early.status_code == 422 and early.json()["detail"][0]["field"] == "step"
    # a VIN another car has is refused, and the refusal recorded: trying VINs would tell which cars exist elsewhere
    Vehicle.objects.create(vin="LSVCC6A48PN000007", model="途观L Tiguan L", model_year=2023)
    taken = client.post(f"/api/orders/{order['id']}/step", {"step": "allocate", "vin": "LSVCC6A48PN000007"},
                        content_type="application/json")
    assert taken.status_code == 422 and taken.json()["detail"][0]["field"] == "vin"
    assert GuardedLookup.objects.filter(user=dealer, kind="vin_refused", subject="LSVCC6A48PN000007").count() == 1
    call(client, dealer, "post", f"/api/orders/{order['id']}/step", {"step": "allocate", "vin": "LSVAU218XN2183294"})
    call(client, dealer, "post", f"/api/orders/{order['id']}/step", {"step": "ship"})
    call(client, dealer, "post", f"/api/orders/{order['id']}/step", {"step": "arrive"})
    delivered = call(client, dealer, "post", f"/api/orders/{order['id']}/step",
                     {"step": "deliver", "plate": "沪A88888"})
    assert delivered["state"] == "delivered" and delivered["vehicle_id"]

    # the customer owns the car, the deal is won, the lead converted, the funnel counts it
    vehicle = Vehicle.objects.get(vin="LSVAU218XN2183294")
    assert (vehicle.selling_dealer_id, vehicle.plate, vehicle.price) == (org["D-SH1"].pk, "沪A88888",
                                                                         Decimal("211686.00"))
    assert Ownership.objects.filter(vehicle=vehicle, customer_id=lead.customer_id, end_date__isnull=True).exists()
    assert vehicle.warranty_end > today.replace(year=today.year + 2)
    lead.refresh_from_db()
    assert lead.status == "converted" and lead.customer.lifecycle_stage == Stage.OWNER
    assert call(client, hq, "get", f"/api/opportunities/{deal['id']}")["stage"] == "won"
    funnel = {row["stage"]: row for row in call(client, hq, "get", "/api/funnel")["rows"]}
    assert funnel["won"]["count"] == 1 and Decimal(funnel["won"]["weighted"]) == Decimal("224880")
    steps = [step["to_stage"] for step in call(client, hq, "get", f"/api/opportunities/{deal['id']}/steps")]
    assert steps == ["initial", "intent", "negotiation", "contract", "won"]
