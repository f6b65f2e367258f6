"""The models that need a base the size of a dealer group's to learn from, on the 3,000-customer demo
(seed 11), loaded once for the module: churn risk against months since the last service, and repurchase
against the age of the car, each on a later held-out period, and the leads repurchase makes."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from guanxi.analytics import repurchase, scorers, scoring
from guanxi.analytics.models import ScoreModel, ScoringRun
from guanxi.core.models import User
from guanxi.core.roles import Role
from guanxi.customers.models import Consent, Vehicle
from guanxi.sales import leads as lead_services
from guanxi.sales.models import Lead, LeadSource, Timeframe
from tests.analytics.test_repurchase import AUC_FLOOR, LIFT_FLOOR
from tests.conftest import shared_demo

pytestmark = pytest.mark.django_db

demo_data, demo = shared_demo(customers=3000, seed=11)


def published(model):
    return ScoringRun.objects.filter(model=model, state=ScoringRun.State.PUBLISHED)


def test_churn_risk_beats_months_since_service_on_a_later_held_out_period_and_shows_why(demo, client):
    run = published(ScoreModel.CHURN).get()
    figures = run.figures
    assert figures["held_out_owners"] > 500
    assert figures["auc"] > figures["baseline_auc"] > 0.6
    assert figures["top_decile_lift"] > 2
    assert any("months_since_service" in rule for rule in figures["rules"])
    risky = run.scores.filter(label="high").order_by("-value").first()
    safe = run.scores.filter(label="low").order_by("value").first()
    assert risky.value > 0.5 > 0.2 > safe.value
    client.force_login(User.objects.get(username=Role.ADMIN))
    page = client.get(reverse("customers:detail", args=[risky.customer_id]), HTTP_ACCEPT_LANGUAGE="en")
    assert "Churn risk" in page.content.decode() and "High · " in page.content.decode()
    assert "months since the last service" in page.content.decode()


@pytest.fixture
def repurchase_run(demo):
    return ScoringRun.objects.get(model=ScoreModel.REPURCHASE, state=ScoringRun.State.PUBLISHED)


def test_the_demo_model_beats_the_age_of_the_car_and_its_leads_go_to_the_owners_dealer_once(repurchase_run, client):
    figures = repurchase_run.figures
    assert figures["held_out_owners"] > 500
    assert figures["auc"] >= AUC_FLOOR and figures["auc"] > figures["baseline_auc"] + 0.1
    assert figures["top_decile_lift"] >= LIFT_FLOOR
    likely = repurchase_run.scores.filter(label="high").order_by("-value").first()
    assert likely.value >= 0.3 and dict(likely.reasons)["why"]

    client.force_login(User.objects.get(username=Role.ADMIN))
    page = client.get(reverse("customers:detail", args=[likely.customer_id]), HTTP_ACCEPT_LANGUAGE="en")
    content = page.content.decode()
    assert "Likely to replace the car" in content and "a new car within 12 months" in content

    handed = repurchase.create_repurchase_leads(top=30, min_probability=0.2)
    assert len(handed.leads) == 30 and handed.no_model_on_sale == 0
    likeliest = repurchase_run.scores.filter(value__gte=0.2).order_by("-value", "pk")
    agreed = set(Consent.objects.filter(purpose="marketing", granted=True).values_list("customer_id", flat=True))
    chosen = set(likeliest.filter(customer_id__in=agreed).values_list("customer_id", flat=True)[:30])
    assert {lead.customer_id for lead in handed.leads} == chosen
    passed_over = set(likeliest.values_list("customer_id", flat=True)[:30]) - agreed
    assert passed_over and not passed_over & {lead.customer_id for lead in handed.leads}  # no marketing consent
    for lead in Lead.objects.filter(pk__in=[lead.pk for lead in handed.leads]).select_related("customer"):
        assert lead.repurchase and lead.timeframe == Timeframe.LONG and lead.source == LeadSource.CAMPAIGN
        assert "Repurchase prediction" in lead.note or "复购预测" in lead.note
        sold_by = (Vehicle.objects.filter(ownerships__customer=lead.customer).order_by("-purchase_date", "-pk")
                   .values_list("selling_dealer_id", flat=True).first())
        assert lead.dealer_id == sold_by  # the dealer that sold them their car, not the rules' pick
        assert lead.why_dealer[0][0] == "previous_dealer"
        assert lead.created_by.username == "system"

    again = repurchase.create_repurchase_leads(top=30, min_probability=0.2)
    assert not chosen & {lead.customer_id for lead in again.leads}  # never twice while a lead is open or recent


def test_a_closed_lead_long_ago_lets_the_owner_be_led_again_and_the_command_reports(repurchase_run):
    agreed = Consent.objects.filter(purpose="marketing", granted=True).values("customer_id")
    customer_id = (repurchase_run.scores.filter(customer_id__in=agreed).order_by("-value")
                   .values_list("customer_id", flat=True).first())
    first = repurchase.create_repurchase_leads(top=1, min_probability=0).leads[0]
    assert first.customer_id == customer_id
    assert not repurchase.create_repurchase_leads(top=1, min_probability=0).leads[0].customer_id == customer_id
    lead_services.accept(User.objects.get(username="system"), first.pk)
    Lead.objects.filter(pk=first.pk).update(status="lost", created_at=timezone.now() - dt.timedelta(days=400))
    out = StringIO()
    call_command("repurchase_leads", top=1, min_probability=0, stdout=out)
    assert "1 repurchase leads captured" in out.getvalue()
    assert Lead.objects.filter(customer_id=customer_id, repurchase=True).count() == 2


def test_churn_learns_from_a_sample_of_owners_and_still_scores_every_owner(demo, monkeypatch):
    """A big base fits on FIT_OWNERS owners drawn at random (here a third of the demo's): the model is
    still judged on a later period, still beats months since the last service, and every owner gets a
    score, not only those drawn."""
    everyone = published(ScoreModel.CHURN).get()
    monkeypatch.setattr(scorers, "FIT_OWNERS", everyone.figures["held_out_owners"] // 3)
    sampled = scoring.score_all(models=[ScoreModel.CHURN])[0]
    assert sampled.state == ScoringRun.State.PUBLISHED, sampled.message
    assert sampled.figures["held_out_owners"] == scorers.FIT_OWNERS
    assert sampled.figures["auc"] > sampled.figures["baseline_auc"]
    assert sampled.customers == everyone.customers
    assert set(sampled.scores.values_list("customer_id", flat=True)) == set(
        everyone.scores.values_list("customer_id", flat=True))
