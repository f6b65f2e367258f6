"""Leads for the demo, made through the same services as in the UI, so that the lead list, the
loop on each lead and the dealers' desks have something to show: distribution rules for every
dealer (its own city first, then its province), leads captured by the hotline and the web for
prospects, and dealers' reports on most of them (accepted, called, test drive, quote, order, lost).
Some leads for the demo dealer stay waiting for its people to accept.
"""

import random

from django.db import transaction

from guanxi.core.jobs import system_actor
from guanxi.core.models import OrgUnit, OrgUnitKind, User
from guanxi.core.roles import Role
from guanxi.customers.models import Customer, Stage
from guanxi.demo.catalog import CAR_MODELS
from guanxi.sales import capture, leads
from guanxi.sales.models import DistributionRule, Lead, LeadSource, LostReason

LEADS = 80
FOR_THE_DEMO_DEALER = 12
TIMEFRAMES = {"hot": 3, "mid": 4, "long": 3}
SOURCES = {LeadSource.HOTLINE: 5, LeadSource.WEB: 3, LeadSource.AUTO_SHOW: 1, LeadSource.CAMPAIGN: 1}
# how far the dealer got: None leaves the lead waiting to be accepted
OUTCOMES = {None: 2, "accept": 2, "contacted": 2, "test_drive": 2, "quote": 1, "order": 1, "lost": 2}
STEPS = ("contacted", "test_drive", "quote", "order")


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
            if lead.dealer_id:
                _work(lead, dealer_user if lead.dealer_id == demo_dealer else system_actor(), rng)
        made += 1
    return made


def _work(lead: Lead, user, rng: random.Random) -> None:
    outcome = _pick(rng, OUTCOMES)
    if outcome is None:
        return
    leads.accept(user, lead.pk)
    if outcome == "lost":
        leads.report(user, lead.pk, "contacted", "已电话联系")
        reason = rng.choice(list(LostReason.objects.filter(active=True)))
        leads.report(user, lead.pk, "lost", "", reason.pk)
    elif outcome != "accept":
        for step in STEPS[:STEPS.index(outcome) + 1]:
            leads.report(user, lead.pk, step, "")


def _pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]
