"""Leads and deals for the demo, made through the same services as in the UI, so that the lead
list, the loop on each lead, the dealers' desks and the funnel have something to show: distribution
rules for every dealer (its own city first, then its province), leads captured by the hotline and
the web for prospects, dealers' reports on most of them (accepted, called, test drive, quote,
order, lost), a deal for each lead that got to a test drive, the demo dealer's funnel shaped like
the seeds' (many first contacts, fewer at each later stage) with a quote and an order for its deals
in negotiation, and a catalog on this year's price list. Some leads for the demo dealer stay
waiting for its people to accept.
"""

import datetime as dt
import random

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from guanxi.core.jobs import system_actor
from guanxi.core.models import OrgUnit, OrgUnitKind, User
from guanxi.core.roles import Role
from guanxi.customers.models import Customer, Stage
from guanxi.demo.catalog import CAR_MODELS
from guanxi.sales import capture, leads, opportunities, orders, quotes
from guanxi.sales.models import (
    DistributionRule,
    Lead,
    LeadEvent,
    LeadSource,
    LostReason,
    Opportunity,
    Price,
    PriceList,
    Product,
    ProductKind,
    SalesTarget,
)

LEADS = 80
REGION_TARGET = 5_000_000  # CNY a month
MAX_DAYS_BACK = 40
FOR_THE_DEMO_DEALER = 12
TIMEFRAMES = {"hot": 3, "mid": 4, "long": 3}
SOURCES = {LeadSource.HOTLINE: 5, LeadSource.WEB: 3, LeadSource.AUTO_SHOW: 1, LeadSource.CAMPAIGN: 1}
# how far the dealer got: None leaves the lead waiting to be accepted
OUTCOMES = {None: 2, "accept": 2, "contacted": 2, "test_drive": 2, "quote": 1, "order": 1, "lost": 2}
STEPS = ("contacted", "test_drive", "quote", "order")
# the demo dealer's deals by stage, shaped like the seeds' funnel (80 → 30 → 16 → 10, scaled down)
DEMO_FUNNEL = {"initial": 16, "intent": 6, "negotiation": 4, "contract": 2, "won": 2, "lost": 2}
DEAL_PATH = ("intent", "negotiation", "contract", "won")
EXTRAS = (("floor-mats", "全包围脚垫 Floor mats", ProductKind.ACCESSORY, 880),
          ("dashcam", "行车记录仪 Dash cam", ProductKind.ACCESSORY, 1_280),
          ("care-3y", "三年保养套餐 3-year maintenance", ProductKind.SERVICE_PACKAGE, 4_980),
          ("loan-36", "36 期低息贷款 36-month loan", ProductKind.FINANCE, 0),
          ("insurance-1y", "首年商业险 First-year insurance", ProductKind.INSURANCE, 6_500))


def seed_distribution_rules() -> int:
    """Each dealer takes its own city's leads (priority 10) and its province's (50)."""
    if DistributionRule.objects.exists():
        return 0
    rules = []
    for dealer in OrgUnit.objects.filter(kind=OrgUnitKind.DEALER).order_by("code"):
        rules.append(DistributionRule(dealer=dealer, priority=10, province=dealer.province, city=dealer.city))
        rules.append(DistributionRule(dealer=dealer, priority=50, province=dealer.province))
    DistributionRule.objects.bulk_create(rules)
    return len(rules)


def capture_demo_leads(seed: int = 7) -> int:
    """LEADS leads for prospects, FOR_THE_DEMO_DEALER of them named for the demo dealer."""
    if Lead.objects.exists():
        return 0
    rng = random.Random(seed)
    agent = User.objects.filter(username=Role.AGENT).first() or system_actor()
    dealer_user = User.objects.filter(username=Role.DEALER_SALES).first()
    demo_dealer = dealer_user.primary_unit_id if dealer_user else None
    prospects = list(Customer.objects.filter(lifecycle_stage=Stage.PROSPECT, erased_at__isnull=True)
                     .order_by("pk").values_list("pk", flat=True)[:2000])
    made = 0
    for index, customer_id in enumerate(rng.sample(prospects, min(LEADS, len(prospects)))):
        model = rng.choice(CAR_MODELS)
        data = {"customer_id": customer_id, "model": model.name, "timeframe": _pick(rng, TIMEFRAMES),
                "source": _pick(rng, SOURCES), "budget": model.price_max, "payment": rng.choice(["cash", "loan"]),
                "dealer_id": demo_dealer if index < FOR_THE_DEMO_DEALER else None}
        with transaction.atomic():
            lead = capture.capture_lead(agent, data)
            if lead.dealer_id and _work(lead, dealer_user if lead.dealer_id == demo_dealer else system_actor(), rng):
                _move_back(lead, dt.timedelta(days=rng.uniform(0, MAX_DAYS_BACK)))
        made += 1
    return made


def _move_back(lead: Lead, by: dt.timedelta) -> None:
    """A worked lead as if captured `by` earlier (the lead list and its ageing spread over weeks); the
    ones still waiting for the demo dealer stay fresh, or the worker would reassign them at once."""
    moments = ("created_at", "assigned_at", "accept_by", "accepted_at", "contact_by", "contacted_at", "closed_at")
    Lead.objects.filter(pk=lead.pk).update(**{name: F(name) - by for name in moments})
    LeadEvent.objects.filter(lead=lead).update(at=F("at") - by)


def seed_catalog() -> int:
    """The demo's car models and a few accessories and packages on this year's price list (each car
    at its dearest trim's price)."""
    if Product.objects.exists():
        return 0
    today = timezone.localdate()
    price_list = PriceList.objects.create(name=f"{today.year} 全国统一零售价", valid_from=today.replace(month=1, day=1))
    made = 0
    for model in CAR_MODELS:
        code = model.vds.lower()
        car = Product.objects.create(code=code, name=model.name, kind=ProductKind.MODEL)
        Price.objects.create(price_list=price_list, product=car, amount=model.price_max)
        made += 1
    for code, name, kind, amount in EXTRAS:
        extra = Product.objects.create(code=code, name=name, kind=kind)
        Price.objects.create(price_list=price_list, product=extra, amount=amount)
        made += 1
    return made


def seed_targets() -> int:
    """This month's and next month's target for each region (head office's planning)."""
    if SalesTarget.objects.exists():
        return 0
    month = timezone.localdate().replace(day=1)
    months = (month, (month + dt.timedelta(days=32)).replace(day=1))
    targets = [SalesTarget(region=region, month=when, amount=REGION_TARGET)
               for region in OrgUnit.objects.filter(kind=OrgUnitKind.REGION) for when in months]
    SalesTarget.objects.bulk_create(targets)
    return len(targets)


def open_demo_deals(seed: int = 7) -> int:
    """A deal for each lead that got to a test drive or further, and the demo dealer's funnel."""
    if Opportunity.objects.exists():
        return 0
    rng = random.Random(seed)
    made = 0
    for lead in Lead.objects.filter(status__in=("qualified", "converted")).select_related("customer"):
        user = _dealer_user(lead.dealer_id)
        with transaction.atomic():
            deal = opportunities.open_opportunity(user, {"customer_id": lead.customer_id, "lead_id": lead.pk})
            _walk(user, deal, "contract" if lead.status == "converted" else rng.choice(["intent", "negotiation"]))
        made += 1
    dealer_user = User.objects.filter(username=Role.DEALER_SALES).first()
    if dealer_user is None:
        return made
    customers = list(Customer.objects.restrict(dealer_user).filter(erased_at__isnull=True)
                     .order_by("-pk").values_list("pk", flat=True)[:200])
    for stage, count in DEMO_FUNNEL.items():
        for customer_id in rng.sample(customers, min(count, len(customers))):
            model = rng.choice(CAR_MODELS)
            with transaction.atomic():
                deal = opportunities.open_opportunity(dealer_user, {
                    "customer_id": customer_id, "model": model.name,
                    "amount": rng.randrange(model.price_min, model.price_max + 1, 1000)})
                _walk(dealer_user, deal, stage)
                if stage == "negotiation":
                    _quote_and_order(dealer_user, deal, model.vds.lower())
            made += 1
    return made


def _quote_and_order(user, deal, product_code: str) -> None:
    """A negotiated deal's quote (with the maintenance package), and an order placed from it."""
    car = Product.objects.filter(code=product_code).first()
    if car is None:
        return
    lines = [{"product_id": car.pk, "discount_percent": 3}]
    lines += [{"product_id": pk} for pk in Product.objects.filter(code="care-3y").values_list("pk", flat=True)]
    quote = quotes.create_quote(user, deal.pk, {"lines": lines})
    orders.place_order(user, quote.pk)


def _dealer_user(dealer_id: int):
    mine = User.objects.filter(username=Role.DEALER_SALES, memberships__org_unit_id=dealer_id).first()
    return mine or system_actor()


def _walk(user, deal, stage: str) -> None:
    if stage == "lost":
        opportunities.move(user, deal.pk, "lost", "", LostReason.objects.get(code="price").pk)
        return
    for step in DEAL_PATH[:DEAL_PATH.index(stage) + 1] if stage in DEAL_PATH else ():
        opportunities.move(user, deal.pk, step)


def _work(lead: Lead, user, rng: random.Random) -> bool:
    """The dealer's reports on the lead, as far as a random outcome goes; False: left waiting."""
    outcome = _pick(rng, OUTCOMES)
    if outcome is None:
        return False
    leads.accept(user, lead.pk)
    if outcome == "lost":
        leads.report(user, lead.pk, "contacted", "已电话联系")
        reason = rng.choice(list(LostReason.objects.filter(active=True)))
        leads.report(user, lead.pk, "lost", "", reason.pk)
    elif outcome != "accept":
        for step in STEPS[:STEPS.index(outcome) + 1]:
            leads.report(user, lead.pk, step, "")
    return True


def _pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]
