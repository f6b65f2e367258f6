"""Every sales page and endpoint answers what the scoping layer allows, role by role: a dealer sees
the leads handed to it, never another dealer's, even on a customer both know."""

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from guanxi.core.models import OrgUnit, User
from guanxi.core.roles import Role
from guanxi.core.scoping import may
from guanxi.sales import api
from guanxi.sales.models import (
    DealerDesk,
    DistributionRule,
    Lead,
    LeadStatus,
    LostReason,
    Opportunity,
    OpportunityStage,
    Order,
    Price,
    PriceList,
    Product,
    Quote,
    QuoteLine,
    SalesTarget,
    StageProbability,
)
from tests.conftest import shared_people
from tests.isolation import (
    USER_KEYS,
    AddPageIsolation,
    ApiIsolation,
    ChildAddPageIsolation,
    ListPageIsolation,
    PageIsolation,
    expected,
)

pytestmark = pytest.mark.django_db
people, org, users, customers = shared_people()


def leads(customers) -> list[Lead]:
    """One lead per dealer (one captured by the call center, one by the service station) and one
    no dealer has yet; made as rows, so the test does not depend on the distribution."""
    if Lead.objects.exists():
        return list(Lead.objects.order_by("pk"))
    unit = {code: OrgUnit.objects.get(code=code) for code in ("D-SH1", "D-SH2", "D-GZ1", "CC", "S-SH")}
    made = [
        Lead(customer=customers["zhang"], model="帕萨特", dealer=unit["D-SH1"], org_unit=unit["CC"],
             status=LeadStatus.ASSIGNED),
        Lead(customer=customers["li"], model="途观L", dealer=unit["D-SH2"], org_unit=unit["S-SH"],
             status=LeadStatus.ACCEPTED),
        Lead(customer=customers["wang"], model="朗逸", dealer=unit["D-GZ1"], org_unit=unit["D-GZ1"],
             status=LeadStatus.LOST),
        Lead(customer=customers["zhang"], model="ID.4", org_unit=unit["CC"]),
    ]
    return Lead.objects.bulk_create(made)


def rules(customers) -> list[DistributionRule]:
    if not DistributionRule.objects.exists():
        for code in ("D-SH1", "D-SH2", "D-GZ1"):
            DistributionRule.objects.create(dealer=OrgUnit.objects.get(code=code), province="上海")
    return list(DistributionRule.objects.order_by("pk"))


class TestLeadPages(AddPageIsolation):
    model = Lead
    add_url, detail_url, edit_url = "sales:lead_add", "sales:lead", "sales:lead_edit"
    objects = staticmethod(leads)


class TestLeadList(ListPageIsolation):
    model, list_url = Lead, "sales:leads"

    @staticmethod
    def prepare(users, customers):
        leads(customers)


class TestCustomerLeadAdd(ChildAddPageIsolation):
    child_add_pages = [("sales:customer_lead_add", "view", ("sales.lead", "add"))]


class TestRulePages(AddPageIsolation):
    model = DistributionRule
    add_url, edit_url, delete_url = "sales:rule_add", "sales:rule_edit", "sales:rule_delete"
    objects = staticmethod(rules)


class TestRuleList(ListPageIsolation):
    model, list_url = DistributionRule, "sales:rules"

    @staticmethod
    def prepare(users, customers):
        rules(customers)


def reasons(customers) -> list[LostReason]:
    return list(LostReason.objects.order_by("pk"))  # head office's first list, from the migration


class TestReasonPages(AddPageIsolation):
    model = LostReason
    add_url, edit_url = "sales:reason_add", "sales:reason_edit"
    objects = staticmethod(reasons)


class TestReasonList(ListPageIsolation):
    model, list_url = LostReason, "sales:reasons"


class TestDeskPages(PageIsolation):
    model = DealerDesk
    edit_url = "sales:desk_edit"

    @staticmethod
    def objects(customers):
        return list(DealerDesk.objects.order_by("pk"))


class TestDeskList(ListPageIsolation):
    model, list_url = DealerDesk, "sales:desks"


class TestLeadApiIsolation(ApiIsolation):
    api = api.LeadApi()
    create_body = {"name": "孙丽", "phone": "13655556666", "model": "帕萨特", "province": "上海"}

    @staticmethod
    def prepare(users, customers):
        leads(customers)


# --- the loop's actions, on pages and in the API ------------------------------------------------

ACTIONS = [("accept", "change", {}), ("reject", "change", {"reason": "不在区域"}),
           ("report", "change", {"kind": "contacted"}), ("reopen", "change", {}), ("assign", "assign", {})]


@pytest.mark.parametrize("user_key", USER_KEYS)
def test_the_loops_actions_answer_what_the_scope_allows_and_refusals_change_nothing(
        client, users, customers, user_key):
    rows = leads(customers)
    client.force_login(users[user_key])
    fresh = User.objects.get(pk=users[user_key].pk)
    before = list(Lead.objects.order_by("pk").values())
    for lead in rows:
        for action, permission, body in ACTIONS:
            wanted = expected(fresh, Lead, lead, permission)
            allowed = {200, 422} if wanted == 200 else {wanted}  # 422: not a step this lead's state allows
            with transaction.atomic():
                answer = client.post(f"/api/leads/{lead.pk}/{action}", body, content_type="application/json")
                page = client.post(reverse("sales:lead_step", args=[lead.pk, action]), body)
                transaction.set_rollback(True)
            assert answer.status_code in allowed, (action, lead, answer.content)
            assert page.status_code in ({302, 422} if wanted == 200 else {wanted}), (action, lead)
        events = client.get(f"/api/leads/{lead.pk}/events")
        assert events.status_code == expected(fresh, Lead, lead, "view")
    assert list(Lead.objects.order_by("pk").values()) == before
    with transaction.atomic():  # bulk capture: as capturing one, each lead in the writer's sight
        bulk = client.post("/api/leads/bulk", {"leads": [{"name": "赵敏", "phone": "13911112222", "model": "帕萨特"}]},
                           content_type="application/json")
        transaction.set_rollback(True)
    # 422: a region's manager must name which of its dealers, as when capturing one
    assert bulk.status_code in ({201, 422} if may(fresh, Lead.permission_key, "add") else {403}), bulk.content
    reasons = client.get("/api/lost-reasons")
    assert reasons.status_code == (200 if may(fresh, Lead.permission_key, "view") else 403)
    if reasons.status_code == 200:
        assert {row["code"] for row in reasons.json()} == set(LostReason.objects.values_list("code", flat=True))
    league = client.get("/api/lead-league")
    assert league.status_code == client.get(reverse("sales:league")).status_code == reasons.status_code
    if league.status_code == 200:
        dealers = set(Lead.objects.restrict(fresh).exclude(dealer=None).values_list("dealer_id", flat=True))
        assert {row["dealer_id"] for row in league.json()["dealers"]} == dealers


def test_a_dealer_sees_only_its_own_leads_and_head_office_sees_them_all(client, users, customers):
    rows = leads(customers)
    seen = {}
    for key in (Role.DEALER_SALES, "other_dealer", Role.HQ_SALES, Role.AGENT, "region_manager"):
        client.force_login(users[key])
        seen[key] = {row["model"] for row in client.get("/api/leads").json()["results"]}
    assert seen[Role.DEALER_SALES] == {"帕萨特"}
    assert seen["other_dealer"] == {"朗逸"}
    assert seen[Role.HQ_SALES] == seen[Role.AGENT] == {lead.model for lead in rows}
    assert seen["region_manager"] == {"帕萨特", "途观L"}


# --- opportunities -------------------------------------------------------------------------------


def deals(customers) -> list[Opportunity]:
    """One deal per dealer, at different stages."""
    if Opportunity.objects.exists():
        return list(Opportunity.objects.order_by("pk"))
    unit = {code: OrgUnit.objects.get(code=code) for code in ("D-SH1", "D-SH2", "D-GZ1")}
    now = timezone.now()
    made = [Opportunity(name="张伟 · 帕萨特", customer=customers["zhang"], dealer=unit["D-SH1"], amount=200000,
                        stage_since=now),
            Opportunity(name="李娜 · 途观L", customer=customers["li"], dealer=unit["D-SH2"], amount=250000,
                        stage=OpportunityStage.NEGOTIATION, stage_since=now),
            Opportunity(name="王芳 · 朗逸", customer=customers["wang"], dealer=unit["D-GZ1"], amount=120000,
                        stage=OpportunityStage.LOST, stage_since=now)]
    return Opportunity.objects.bulk_create(made)


class TestOpportunityPages(PageIsolation):
    model = Opportunity
    detail_url, edit_url = "sales:opportunity", "sales:opportunity_edit"
    objects = staticmethod(deals)


class TestOpportunityList(ListPageIsolation):
    model, list_url = Opportunity, "sales:opportunities"

    @staticmethod
    def prepare(users, customers):
        deals(customers)


class TestCustomerOpportunityAdd(ChildAddPageIsolation):
    child_add_pages = [("sales:customer_opportunity_add", "view", ("sales.opportunity", "add"))]


class TestOpportunityApiIsolation(ApiIsolation):
    api = api.OpportunityApi()
    create_body = {"model": "帕萨特", "amount": "200000"}
    create_needs = ("view", ("sales.opportunity", "add"))

    @staticmethod
    def prepare(users, customers):
        deals(customers)


class TestStageProbabilityPages(PageIsolation):
    model = StageProbability
    edit_url = "sales:stage_edit"

    @staticmethod
    def objects(customers):
        return list(StageProbability.objects.order_by("pk"))


class TestStageProbabilityList(ListPageIsolation):
    model, list_url = StageProbability, "sales:stages"


DEAL_STEPS = [("stage", "move", {"stage": "intent"}), ("reopen", "reopen", {})]


@pytest.mark.parametrize("user_key", USER_KEYS)
def test_deal_steps_the_funnel_and_a_deal_from_a_lead_answer_what_the_scope_allows(
        client, users, customers, user_key):
    rows, lead_rows = deals(customers), leads(customers)
    client.force_login(users[user_key])
    fresh = User.objects.get(pk=users[user_key].pk)
    before = list(Opportunity.objects.order_by("pk").values())
    for deal in rows:
        wanted = expected(fresh, Opportunity, deal, "change")
        for api_step, page_step, body in DEAL_STEPS:
            with transaction.atomic():
                answer = client.post(f"/api/opportunities/{deal.pk}/{api_step}", body,
                                     content_type="application/json")
                page = client.post(reverse("sales:opportunity_step", args=[deal.pk, page_step]), body)
                transaction.set_rollback(True)
            assert answer.status_code in ({200, 422} if wanted == 200 else {wanted}), (api_step, deal)
            assert page.status_code in ({302, 422} if wanted == 200 else {wanted}), (page_step, deal)
        assert client.get(f"/api/opportunities/{deal.pk}/steps").status_code == expected(fresh, Opportunity, deal,
                                                                                          "view")
    assert list(Opportunity.objects.order_by("pk").values()) == before
    for deal in rows:  # an activity planned for a deal: the deal must be one the user may work
        planned = client.get(reverse("sales:deal_activity_add", args=[deal.pk])).status_code
        assert planned == (403 if not may(fresh, "customers.activity", "add") else expected(fresh, Opportunity, deal,
                                                                                             "change")), deal
    for lead in lead_rows:  # a deal from a lead: the lead must be one the user may work
        page = client.get(reverse("sales:lead_opportunity_add", args=[lead.pk])).status_code
        if not may(fresh, Opportunity.permission_key, "add"):
            assert page == 403
        else:
            assert page == expected(fresh, Lead, lead, "change"), lead
    visible = may(fresh, Opportunity.permission_key, "view")
    funnel_api = client.get("/api/funnel")
    assert funnel_api.status_code == (200 if visible else 403)
    assert client.get(reverse("sales:funnel")).status_code == (200 if visible else 403)
    if visible:
        counted = sum(row["count"] for row in funnel_api.json()["rows"])
        assert counted == Opportunity.objects.restrict(fresh).count()
    assert client.get("/api/forecast-vs-target").status_code == (200 if visible else 403)


# --- catalog, prices and quotes ------------------------------------------------------------------


def price_lists(customers) -> list[PriceList]:
    if not PriceList.objects.exists():
        today = timezone.localdate()
        car = Product.objects.create(code="passat", name="帕萨特", kind="model")
        current = PriceList.objects.create(name="2026", valid_from=today)
        PriceList.objects.create(name="2025", valid_from=today.replace(year=today.year - 1),
                                 valid_until=today.replace(year=today.year - 1, month=12, day=31))
        Price.objects.create(price_list=current, product=car, amount=200000)
    return list(PriceList.objects.order_by("pk"))


def products(customers) -> list[Product]:
    price_lists(customers)
    return list(Product.objects.order_by("pk"))


def quotes(customers) -> list[Quote]:
    """A quote on each dealer's deal."""
    if not Quote.objects.exists():
        current = price_lists(customers)[0]
        for deal in deals(customers):
            quote = Quote.objects.create(opportunity=deal, price_list=current, valid_until=timezone.localdate())
            QuoteLine.objects.create(quote=quote, product=Product.objects.first(), unit_price=200000)
    return list(Quote.objects.order_by("pk"))


class TestProductPages(AddPageIsolation):
    model = Product
    add_url, edit_url = "sales:product_add", "sales:product_edit"
    objects = staticmethod(products)


class TestProductList(ListPageIsolation):
    model, list_url = Product, "sales:products"

    @staticmethod
    def prepare(users, customers):
        products(customers)


class TestPriceListPages(AddPageIsolation):
    model = PriceList
    add_url, detail_url, edit_url = "sales:price_list_add", "sales:price_list", "sales:price_list_edit"
    objects = staticmethod(price_lists)


class TestPriceListList(ListPageIsolation):
    model, list_url = PriceList, "sales:price_lists"

    @staticmethod
    def prepare(users, customers):
        price_lists(customers)


class TestQuotePages(PageIsolation):
    model = Quote
    detail_url = "sales:quote"
    objects = staticmethod(quotes)


class TestProductApiIsolation(ApiIsolation):
    api = api.ProductApi()
    create_body = {"code": "id4x", "name": "ID.4 X", "kind": "model"}

    @staticmethod
    def prepare(users, customers):
        products(customers)


class TestPriceListApiIsolation(ApiIsolation):
    api = api.PriceListApi()
    create_body = {"name": "2027", "valid_from": "2027-01-01"}

    @staticmethod
    def prepare(users, customers):
        price_lists(customers)


class TestPriceApiIsolation(ApiIsolation):
    api = api.PriceApi()
    create_needs = ("change", ("sales.product", "change"))

    @property
    def create_body(self):
        return {"product_id": Product.objects.get(code="passat").pk, "amount": "205000"}

    def parents(self, customers):
        return price_lists(customers)

    @staticmethod
    def prepare(users, customers):
        price_lists(customers)


class TestQuoteApiIsolation(ApiIsolation):
    api = api.QuoteApi()
    create_needs = ("change", ("sales.quote", "add"))

    @property
    def create_body(self):
        return {"lines": [{"product_id": Product.objects.get(code="passat").pk}]}

    def parents(self, customers):
        return [deal for deal in deals(customers) if deal.is_open]  # a closed deal is quoted after reopening

    @staticmethod
    def prepare(users, customers):
        quotes(customers)


QUOTE_STEPS = [("approve", "approve", "approve", {}), ("answer", "answer", "change", {"status": "sent"}),
               ("lines", "line", "change", lambda: {"product_id": Product.objects.first().pk,  # API and page
                                                    "product": Product.objects.first().pk, "quantity": 1,
                                                    "discount_percent": "0"})]


@pytest.mark.parametrize("user_key", USER_KEYS)
def test_quote_steps_pdf_and_the_pages_that_make_quotes_and_prices_answer_what_the_scope_allows(
        client, users, customers, user_key):
    rows = quotes(customers)
    client.force_login(users[user_key])
    fresh = User.objects.get(pk=users[user_key].pk)
    before = list(Quote.objects.order_by("pk").values())
    for quote in rows:
        for api_step, page_step, permission, body in QUOTE_STEPS:
            body = body() if callable(body) else body
            wanted = expected(fresh, Quote, quote, permission)
            with transaction.atomic():
                answer = client.post(f"/api/quotes/{quote.pk}/{api_step}", body, content_type="application/json")
                page = client.post(reverse("sales:quote_step", args=[quote.pk, page_step]), body)
                transaction.set_rollback(True)
            assert answer.status_code in ({200, 422} if wanted == 200 else {wanted}), (api_step, quote)
            assert page.status_code in ({302, 422} if wanted == 200 else {wanted}), (page_step, quote)
        seen = expected(fresh, Quote, quote, "view")
        assert client.get(f"/api/quotes/{quote.pk}/pdf").status_code == seen
        assert client.get(reverse("sales:quote_pdf", args=[quote.pk])).status_code == seen
    assert list(Quote.objects.order_by("pk").values()) == before
    for deal in deals(customers):
        wanted = 403 if not may(fresh, Quote.permission_key, "add") else expected(fresh, Opportunity, deal, "change")
        assert client.get(reverse("sales:quote_add", args=[deal.pk])).status_code == wanted, deal
    for price_list in price_lists(customers):
        wanted = expected(fresh, PriceList, price_list, "change")
        assert client.get(reverse("sales:price_add", args=[price_list.pk])).status_code == wanted


def orders(customers) -> list[Order]:
    """An order from each quote."""
    if not Order.objects.exists():
        for quote in quotes(customers):
            Order.objects.create(quote=quote, opportunity=quote.opportunity, model="帕萨特", amount=200000)
    return list(Order.objects.order_by("pk"))


class TestOrderPages(PageIsolation):
    model = Order
    detail_url = "sales:order"
    objects = staticmethod(orders)


class TestOrderList(ListPageIsolation):
    model, list_url = Order, "sales:orders"

    @staticmethod
    def prepare(users, customers):
        orders(customers)


class TestOrderApiIsolation(ApiIsolation):
    api = api.OrderApi()

    def parents(self, customers):
        return deals(customers)

    @staticmethod
    def prepare(users, customers):
        orders(customers)


ORDER_STEPS = [("contract", "contract", {"contract_number": "C-1"}), ("step", "ship", {"step": "ship"}),
               ("step", "cancel", {"step": "cancel", "reason": "客户改主意"})]


@pytest.mark.parametrize("user_key", USER_KEYS)
def test_placing_signing_and_moving_orders_answer_what_the_scope_allows(client, users, customers, user_key):
    rows = orders(customers)
    client.force_login(users[user_key])
    fresh = User.objects.get(pk=users[user_key].pk)
    before = list(Order.objects.order_by("pk").values())
    for order in rows:
        wanted = expected(fresh, Order, order, "change")
        for api_step, page_step, body in ORDER_STEPS:
            with transaction.atomic():
                answer = client.post(f"/api/orders/{order.pk}/{api_step}", body, content_type="application/json")
                page = client.post(reverse("sales:order_step", args=[order.pk, page_step]), body)
                transaction.set_rollback(True)
            assert answer.status_code in ({200, 422} if wanted == 200 else {wanted}), (api_step, order)
            assert page.status_code in ({302, 422} if wanted == 200 else {wanted}), (page_step, order)
    assert list(Order.objects.order_by("pk").values()) == before
    Order.objects.all().delete()  # now place them: each quote once
    for quote in quotes(customers):
        if not may(fresh, Order.permission_key, "add"):
            wanted = 403
        else:
            wanted = expected(fresh, Quote, quote, "change")
        with transaction.atomic():
            answer = client.post(f"/api/quotes/{quote.pk}/order", {}, content_type="application/json")
            page = client.post(reverse("sales:quote_step", args=[quote.pk, "order"]), {})
            transaction.set_rollback(True)
        assert answer.status_code in ({201, 422} if wanted == 200 else {wanted}), (quote, answer.content)
        assert page.status_code in ({302, 422} if wanted == 200 else {wanted}), quote
    assert not Order.objects.exists()


def targets(customers) -> list[SalesTarget]:
    if not SalesTarget.objects.exists():
        month = timezone.localdate().replace(day=1)
        for code in ("R-EAST", "R-SOUTH"):
            SalesTarget.objects.create(region=OrgUnit.objects.get(code=code), month=month, amount=1000000)
    return list(SalesTarget.objects.order_by("pk"))


class TestSalesTargetPages(AddPageIsolation):
    model = SalesTarget
    add_url, edit_url = "sales:target_add", "sales:target_edit"
    objects = staticmethod(targets)


class TestSalesTargetList(ListPageIsolation):
    model, list_url = SalesTarget, "sales:targets"

    @staticmethod
    def prepare(users, customers):
        targets(customers)
