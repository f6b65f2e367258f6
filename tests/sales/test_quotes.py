"""Quotes at the day's prices, with a manager's approval above the discount threshold, a validity,
the customer's answer and a PDF."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from guanxi.core.models import Notification
from guanxi.core.outbox import dispatch
from guanxi.core.roles import Role
from guanxi.sales.models import Opportunity, Price, PriceList, Product, Quote

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog(org, customers):
    today = timezone.localdate()
    passat = Product.objects.create(code="passat-330", name="帕萨特 330TSI", kind="model")
    mats = Product.objects.create(code="floor-mats", name="Floor mats 脚垫", kind="accessory")
    old = PriceList.objects.create(name="2025", valid_from=today - dt.timedelta(days=400),
                                   valid_until=today - dt.timedelta(days=1))
    current = PriceList.objects.create(name="2026", valid_from=today - dt.timedelta(days=30))
    Price.objects.create(price_list=old, product=passat, amount=Decimal("209900"))
    Price.objects.create(price_list=current, product=passat, amount=Decimal("219900"))
    Price.objects.create(price_list=current, product=mats, amount=Decimal("680"))
    deal = Opportunity.objects.create(name="张伟 · 帕萨特", customer=customers["zhang"], dealer=org["D-SH1"],
                                      amount=Decimal("219900"), stage_since=timezone.now())
    return {"passat": passat, "mats": mats, "deal": deal, "list": current}


def post(client, user, url, body=None):
    client.force_login(user)
    return client.post(url, body or {}, content_type="application/json")


def test_a_quote_takes_todays_prices_and_a_big_discount_waits_for_the_manager(client, users, catalog):
    url = f"/api/opportunities/{catalog['deal'].pk}/quotes"
    lines = [{"product_id": catalog["passat"].pk, "discount_percent": "3"},
             {"product_id": catalog["mats"].pk, "quantity": 2}]
    made = post(client, users[Role.DEALER_SALES], url, {"lines": lines, "discount_percent": "1"})
    assert made.status_code == 201, made.content
    quote = made.json()
    assert quote["status"] == "ready" and quote["price_list_id"] == catalog["list"].pk
    assert [Decimal(line["unit_price"]) for line in quote["lines"]] == [Decimal("219900"), Decimal("680")]
    # 219,900 − 3% = 213,303; + 2 × 680 = 214,663; − 1% (2,146.63) = 212,516.37
    assert Decimal(quote["total"]) == Decimal("212516.37")
    big = post(client, users[Role.DEALER_SALES], url, {"lines": lines, "discount_percent": "8"}).json()
    assert big["status"] == "approval"
    assert post(client, users[Role.DEALER_SALES], f"/api/quotes/{big['id']}/answer",
                {"status": "sent"}).status_code == 422
    assert post(client, users[Role.DEALER_SALES], f"/api/quotes/{big['id']}/approve").status_code == 403
    approved = post(client, users[Role.DEALER_MANAGER], f"/api/quotes/{big['id']}/approve").json()
    assert approved["status"] == "ready" and approved["approved_by_id"] == users[Role.DEALER_MANAGER].pk
    for status in ("sent", "accepted"):
        assert post(client, users[Role.DEALER_SALES], f"/api/quotes/{big['id']}/answer",
                    {"status": status}).json()["status"] == status
    assert post(client, users[Role.DEALER_SALES], f"/api/quotes/{big['id']}/answer",
                {"status": "declined"}).status_code == 422


def test_an_expired_quote_is_not_accepted_and_bad_quotes_name_the_field(client, users, catalog):
    url = f"/api/opportunities/{catalog['deal'].pk}/quotes"
    dealer = users[Role.DEALER_SALES]
    quote = post(client, dealer, url, {"lines": [{"product_id": catalog["passat"].pk}]}).json()
    Quote.objects.filter(pk=quote["id"]).update(valid_until=timezone.localdate() - dt.timedelta(days=1))
    refused = post(client, dealer, f"/api/quotes/{quote['id']}/answer", {"status": "accepted"})
    assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "valid_until"
    unknown = Product.objects.create(code="no-price", name="No price", kind="accessory")
    for body, field in (({"lines": [{"product_id": unknown.pk}]}, "lines[0].product_id"),
                        ({"lines": [{"product_id": catalog["passat"].pk}], "discount_percent": "101"},
                         "discount_percent"),
                        ({"lines": [{"product_id": catalog["passat"].pk}], "valid_until": "2020-01-01"},
                         "valid_until"),
                        ({"lines": []}, "lines")):
        answer = post(client, dealer, url, body)
        assert answer.status_code == 422, (body, answer.content)
        assert field in {error["field"] for error in answer.json()["detail"]}, answer.json()
    PriceList.objects.update(valid_until=timezone.localdate() - dt.timedelta(days=1))
    none_valid = post(client, dealer, url, {"lines": [{"product_id": catalog["passat"].pk}]})
    assert none_valid.status_code == 422 and none_valid.json()["detail"][0]["field"] == "lines"
    assert Quote.objects.count() == 1


def test_the_quote_pdf_is_for_those_who_see_the_deal(client, users, catalog):
    url = f"/api/opportunities/{catalog['deal'].pk}/quotes"
    quote = post(client, users[Role.DEALER_SALES], url, {"lines": [{"product_id": catalog["passat"].pk}],
                                                         "note": "含<b>购置税</b> & 上牌"}).json()
    pdf = client.get(f"/api/quotes/{quote['id']}/pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    page = client.get(f"/sales/quotes/{quote['id']}/pdf/")
    assert page.status_code == 200 and page.content.startswith(b"%PDF")
    client.force_login(users["other_dealer"])
    assert client.get(f"/api/quotes/{quote['id']}/pdf").status_code == 404
    assert client.get(f"/sales/quotes/{quote['id']}/pdf/").status_code == 404


def test_the_dealers_managers_hear_of_a_discount_waiting_for_them(client, users, catalog):
    from guanxi.core.models import Notification
    from guanxi.core.outbox import dispatch

    url = f"/api/opportunities/{catalog['deal'].pk}/quotes"
    small = post(client, users[Role.DEALER_SALES], url, {"lines": [{"product_id": catalog["passat"].pk}]}).json()
    big = post(client, users[Role.DEALER_SALES], url, {"lines": [{"product_id": catalog["passat"].pk}],
                                                       "discount_percent": "9"}).json()
    dispatch()
    told = Notification.objects.filter(link__startswith="/sales/quotes/")
    assert set(told.values_list("user_id", "link")) == {(users[Role.DEALER_MANAGER].pk, f"/sales/quotes/{big['id']}/")}
    assert small["status"] == "ready"


def test_products_are_added_on_the_quote_page_until_it_is_sent_and_an_option_must_fit_the_car(
        client, users, catalog):
    """The page's "Add a product" step: at the quote's prices; a big discount sends an approved
    quote back to the manager; a trim or option of another model is refused; a sent quote is
    not changed."""
    tiguan = Product.objects.create(code="tiguan", name="途观L", kind="model")
    roof = Product.objects.create(code="tiguan-roof", name="途观L 车顶行李架", kind="accessory", model=tiguan)
    Price.objects.create(price_list=catalog["list"], product=roof, amount=Decimal("2400"))
    seller, manager = users[Role.DEALER_SALES], users[Role.DEALER_MANAGER]
    quote = post(client, seller, f"/api/opportunities/{catalog['deal'].pk}/quotes",
                 {"lines": [{"product_id": catalog["passat"].pk}], "discount_percent": "8"}).json()
    post(client, manager, f"/api/quotes/{quote['id']}/approve")
    client.force_login(seller)
    step = reverse("sales:quote_step", args=[quote["id"], "line"])
    answer = client.post(step, {"product": catalog["mats"].pk, "quantity": 2, "discount_percent": "0"})
    assert answer.status_code == 302, answer.content
    page = client.get(reverse("sales:quote", args=[quote["id"]])).content.decode()
    assert "Floor mats 脚垫" in page
    again = Quote.objects.get(pk=quote["id"])
    # the 8 % on the whole now covers the mats too: back to the manager, who is told
    assert again.status == "approval" and again.lines.count() == 2 and again.approved_by is None
    dispatch()
    assert Notification.objects.filter(user=manager, link__contains=f"/sales/quotes/{quote['id']}/").count() == 2
    post(client, manager, f"/api/quotes/{quote['id']}/approve")
    client.force_login(seller)
    refused = client.post(step, {"product": roof.pk, "quantity": 1, "discount_percent": "0"})
    assert refused.status_code == 422 and again.lines.count() == 2
    assert "途观L" in refused.content.decode()
    bigger = post(client, seller, f"/api/quotes/{quote['id']}/lines",
                  {"product_id": catalog["mats"].pk, "discount_percent": "20"}).json()
    assert bigger["status"] == "approval" and bigger["approved_by_id"] is None
    configured = post(client, seller, f"/api/opportunities/{catalog['deal'].pk}/quotes",
                      {"lines": [{"product_id": 999999}, {"product_id": catalog["passat"].pk},
                                 {"product_id": roof.pk}]})
    assert {error["field"] for error in configured.json()["detail"]} == {"lines[0].product_id",
                                                                       "lines[2].product_id"}
    post(client, manager, f"/api/quotes/{quote['id']}/approve")
    post(client, seller, f"/api/quotes/{quote['id']}/answer", {"status": "sent"})
    late = post(client, seller, f"/api/quotes/{quote['id']}/lines", {"product_id": catalog["mats"].pk})
    assert late.status_code == 422 and late.json()["detail"][0]["field"] == "status"
    assert Quote.objects.get(pk=quote["id"]).lines.count() == 3
