"""Owners likely to replace their car, handed to sales as leads.

The repurchase model's latest published run ranks the owners; the likeliest become leads through
the sales app's own capture, as the system actor, so that they are checked, recorded and
distributed like any other lead: a lead about an owner is a repurchase lead, and distribution
hands it to the dealer that sold them their car while it has room. An owner with an open
repurchase lead (predicted or not) gets no second one: the dealer is already on it; nor does one
whose repurchase lead closed within the horizon: a dealer told "not this year" should not be sent
back the next night. Nor does an owner who has not agreed to marketing on any channel (a granted
marketing consent): the lead is a sales call about a new car, which needs it, whatever the model says.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from guanxi.analytics.features import REPURCHASE_HORIZON_DAYS
from guanxi.analytics.latest import latest_run
from guanxi.analytics.models import Score, ScoreModel
from guanxi.core.jobs import as_job, system_actor
from guanxi.customers.models import Consent, ConsentPurpose, Vehicle
from guanxi.sales import capture
from guanxi.sales.models import OPEN_STATUSES, Lead, LeadSource, Product, ProductKind, Timeframe

DEFAULT_TOP = 200  # a night's leads for the network: a few per dealer
DEFAULT_MIN_PROBABILITY = 0.3  # the "high" band (scorers.REPURCHASE_BANDS)


@dataclass(frozen=True)
class Handed:
    leads: list[Lead]
    no_model_on_sale: int  # owners left out: the catalog no longer sells the car they drive


def create_repurchase_leads(*, top: int = DEFAULT_TOP, min_probability: float = DEFAULT_MIN_PROBABILITY) -> Handed:
    """Leads for at most `top` owners, likeliest first, at least `min_probability` likely to buy a
    new car within the horizon; the car model of interest is the one they drive (the dealer offers
    its successor), and the purchase timeframe long-term, as the horizon is a year."""
    with as_job():
        candidates = list(_candidates(min_probability)[:top])
        on_sale = _models_on_sale()
        rows = [_lead_row(score) for score in candidates
                if score.car_model and (on_sale is None or score.car_model.lower() in on_sale)]
        leads = []
        actor = system_actor()
        for start in range(0, len(rows), capture.LEADS_AT_ONCE):
            leads += capture.capture_leads(actor, rows[start:start + capture.LEADS_AT_ONCE])
    return Handed(leads, len(candidates) - len(rows))


def _candidates(min_probability: float):
    recently = timezone.now() - dt.timedelta(days=REPURCHASE_HORIZON_DAYS)
    already_led = (Lead.objects.filter(repurchase=True)
                      .filter(Q(status__in=OPEN_STATUSES) | Q(created_at__gte=recently)).values("customer_id"))
    newest_car = (Vehicle.objects.filter(ownerships__customer_id=OuterRef("customer_id"),
                                         ownerships__end_date__isnull=True)
                  .order_by("-purchase_date", "-pk").values("model")[:1])
    may_be_offered = Consent.objects.filter(customer_id=OuterRef("customer_id"), purpose=ConsentPurpose.MARKETING,
                                            granted=True)
    return (Score.objects.filter(Exists(may_be_offered), run_id=latest_run(ScoreModel.REPURCHASE),
                                 value__gte=min_probability, customer__erased_at__isnull=True)
            .exclude(customer_id__in=already_led)
            .annotate(car_model=Subquery(newest_car)).select_related("run").order_by("-value", "pk"))


def _models_on_sale() -> set[str] | None:
    """Lower-cased names of the catalog's car models on sale; None while the catalog lists none (then
    sales takes any name)."""
    names = Product.objects.filter(kind=ProductKind.MODEL, active=True).values_list("name", flat=True)
    return {name.lower() for name in names} or None


def _lead_row(score: Score) -> dict:
    note = _("Repurchase prediction: %(percent)s%% likely to buy a new car within %(months)s months "
             "(model %(version)s, %(day)s).") % {
        "percent": round(score.value * 100), "months": round(REPURCHASE_HORIZON_DAYS / 30.44),
        "version": score.run.version, "day": date_format(score.run.as_of, "SHORT_DATE_FORMAT")}
    return {"customer_id": score.customer_id, "model": score.car_model, "timeframe": Timeframe.LONG,
            "source": LeadSource.CAMPAIGN, "note": note}
