"""The scores card of the customer 360 page: the latest published score of each model, worded.

Reasons are stored as [code, value] pairs so that each reader gets them in their own language
and number format; this module turns them into sentences.
"""

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext, pgettext_lazy

from guanxi.analytics.features import CHURN_HORIZON_DAYS, REPURCHASE_HORIZON_DAYS
from guanxi.analytics.latest import latest_scores
from guanxi.analytics.models import ScoreModel
from guanxi.core.formatting import money
from guanxi.customers.services import referrers_in_sight

SEGMENT_NAMES = {
    "champions": pgettext_lazy("RFM segment", "Champions"),
    "loyal": pgettext_lazy("RFM segment", "Loyal"),
    "new": pgettext_lazy("RFM segment", "New"),
    "needs_attention": pgettext_lazy("RFM segment", "Needs attention"),
    "cannot_lose": pgettext_lazy("RFM segment", "Cannot lose"),
    "at_risk": pgettext_lazy("RFM segment", "At risk"),
    "hibernating": pgettext_lazy("RFM segment", "Hibernating"),
    "lost": pgettext_lazy("RFM segment", "Lost"),
}
LEVEL_NAMES = {"vip": "VIP", "a": "A", "b": "B", "c": "C"}
RISK_NAMES = {
    "high": pgettext_lazy("churn risk", "High"),
    "medium": pgettext_lazy("churn risk", "Medium"),
    "low": pgettext_lazy("churn risk", "Low"),
}
LIKELIHOOD_NAMES = {
    "high": pgettext_lazy("repurchase likelihood", "High"),
    "medium": pgettext_lazy("repurchase likelihood", "Medium"),
    "low": pgettext_lazy("repurchase likelihood", "Low"),
}
# The quantified evaluation's dimensions (analytics.evaluation.DIMENSIONS), each a rank from 0 to 100
EVALUATION_NAMES = {
    "profit": pgettext_lazy("customer evaluation", "profit"),
    "loyalty": pgettext_lazy("customer evaluation", "loyalty"),
    "potential": pgettext_lazy("customer evaluation", "potential"),
    "influence": pgettext_lazy("customer evaluation", "influence"),
}
EVALUATION_GRADES = {"a": "A", "b": "B", "c": "C", "d": "D"}  # analytics.evaluation.GRADES
# The owner models' features as their reasons name them (analytics.features.CHURN_FEATURES and
# REPURCHASE_FEATURES)
FEATURE_NAMES = {
    "oldest_car_years": gettext_lazy("age of the oldest car in years"),
    "mileage_km": gettext_lazy("mileage in km"),
    "service_visits_1y": gettext_lazy("service visits in a year"),
    "months_since_service": gettext_lazy("months since the last service"),
    "service_visits_2y": gettext_lazy("service visits in 2 years"),
    "service_spend_2y": gettext_lazy("service spend in 2 years"),
    "overdue_ratio": gettext_lazy("overdue against own rhythm"),
    "car_age_years": gettext_lazy("car age in years"),
    "cars": gettext_lazy("cars owned"),
    "warranty_months_left": gettext_lazy("months of warranty left"),
    "inbound_1y": gettext_lazy("contacts from the customer in a year"),
    "outbound_1y": gettext_lazy("contacts to the customer in a year"),
    "segment": gettext_lazy("segment"),
}

# The clusters' features (analytics.clusters.FEATURES) as the clusters page names them
CLUSTER_FEATURE_NAMES = {
    "recency_days": gettext_lazy("days since the last purchase"),
    "service_visits": gettext_lazy("service visits"),
    "cars": FEATURE_NAMES["cars"],
    "car_age_years": gettext_lazy("age of the newest car in years"),
    "sale_spend": gettext_lazy("car purchases"),
    "service_spend": gettext_lazy("service spend"),
    "inbound_1y": FEATURE_NAMES["inbound_1y"],
    "outbound_1y": FEATURE_NAMES["outbound_1y"],
}
# What sets a cluster apart, by feature: (its mean well below the base's, well above)
TRAIT_WORDS = {
    "recency_days": (gettext_lazy("bought recently"), gettext_lazy("long since the last purchase")),
    "service_visits": (gettext_lazy("few service visits"), gettext_lazy("many service visits")),
    "cars": (gettext_lazy("fewer cars"), gettext_lazy("several cars")),
    "car_age_years": (gettext_lazy("newer cars"), gettext_lazy("older cars")),
    "sale_spend": (gettext_lazy("low car spend"), gettext_lazy("high car spend")),
    "service_spend": (gettext_lazy("low service spend"), gettext_lazy("high service spend")),
    "inbound_1y": (gettext_lazy("rarely contacts us"), gettext_lazy("contacts us often")),
    "outbound_1y": (gettext_lazy("rarely contacted"), gettext_lazy("contacted often")),
}


def cluster_name(traits) -> str:
    """A cluster in words from what sets it apart: "high service spend, many service visits"."""
    if not traits:
        return _("close to the average customer")
    words = [str(TRAIT_WORDS[feature][direction == "high"]) for feature, direction in traits]
    return pgettext("between the traits of a customer cluster", ", ").join(words)


def cluster_figure(feature: str, value, currency: str) -> str:
    """One of a customer's own cluster figures in words: "service CNY 6,206.50"."""
    if value is None:
        return _("no car now")
    if feature == "recency_days":
        return _("last purchase %(days)s days ago") % {"days": number_format(value, force_grouping=True)}
    if feature == "sale_spend":
        return _("car purchases %(amount)s") % {"amount": money(value, currency)}
    if feature == "service_spend":
        return _("service %(amount)s") % {"amount": money(value, currency)}
    if feature == "car_age_years":
        return _("newest car %(years)s years old") % {"years": number_format(value, 1)}
    return f"{CLUSTER_FEATURE_NAMES[feature]}: {number_format(value, force_grouping=True)}"


def scores_card(user, customer) -> dict:
    def referrals_seen() -> int:
        """Whom the customer referred, of those the reader may see: a dealer is not told of other dealers'
        customers, even as a count (the influence rank counts them all, as a rank, not a list)."""
        return referrers_in_sight(user).filter(referred_by=customer).count()

    return {"scores": [_describe(run, score, customer.currency, referrals_seen)
                       for run, score in latest_scores(customer.pk)]}


def _describe(run, score, currency: str, referrals_seen) -> dict:
    facts = dict(score.reasons)
    if run.model == ScoreModel.RFM:
        code = int(score.value)
        headline = SEGMENT_NAMES.get(score.label, score.label)
        detail = f"R{code // 100} F{code // 10 % 10} M{code % 10}"
        reasons = [
            _("last purchase %(days)s days ago") % {"days": number_format(facts["recency_days"], force_grouping=True)},
            _("%(count)s purchase days") % {"count": number_format(facts["purchase_days"], force_grouping=True)},
            _("spent %(amount)s") % {"amount": money(facts["spend"], currency)},
        ]
    elif run.model == ScoreModel.PYRAMID:
        headline = LEVEL_NAMES.get(score.label, score.label)
        detail = _("top %(share)s%% by profit") % {"share": number_format(max(facts["top_share"] * 100, 0.1), 1)}
        reasons = [
            _("car purchases %(amount)s") % {"amount": money(facts["sale_spend"], currency)},
            _("service %(amount)s") % {"amount": money(facts["service_spend"], currency)},
        ]
    elif run.model == ScoreModel.CHURN:
        headline = banded(score, RISK_NAMES)
        detail = _("no service visit within %(months)s months") % {"months": round(CHURN_HORIZON_DAYS / 30.44)}
        reasons = [worded(reason) for reason in facts["why"]]
    elif run.model == ScoreModel.REPURCHASE:
        headline = banded(score, LIKELIHOOD_NAMES)
        detail = _("a new car within %(months)s months") % {"months": round(REPURCHASE_HORIZON_DAYS / 30.44)}
        reasons = [worded(reason) for reason in facts["why"]]
    elif run.model == ScoreModel.CLUSTER:
        headline = cluster_name(facts["traits"])
        detail = _("cluster %(number)s of %(count)s") % {"number": int(score.value), "count": run.figures["k"]}
        own = dict(zip(run.figures["scale"]["names"], facts["figures"]))
        reasons = [cluster_figure(feature, own[feature], currency) for feature, _direction in facts["traits"]]
    elif run.model == ScoreModel.EVALUATION:
        referred = referrals_seen()
        headline = _("%(grade)s · %(score)s of 100") % {"grade": EVALUATION_GRADES.get(score.label, score.label),
                                                        "score": number_format(score.value, 0)}
        detail = pgettext("between the parts of a customer evaluation", " · ").join(
            f"{EVALUATION_NAMES[name]} {facts[name]}" for name in EVALUATION_NAMES)
        reasons = [
            ngettext("cars bought on %(days)s day", "cars bought on %(days)s days", facts["cars_bought"])
            % {"days": facts["cars_bought"]},
            ngettext("%(visits)s paid service visit in 2 years", "%(visits)s paid service visits in 2 years",
                     facts["service_visits_2y"]) % {"visits": facts["service_visits_2y"]},
            ngettext("referred %(count)s customer", "referred %(count)s customers", referred) % {"count": referred},
        ]
        events = facts.get("club_events_2y", 0)  # counted from ranks-weighted-2 on
        if events:
            reasons.append(ngettext("%(count)s owners' club event in 2 years",
                                    "%(count)s owners' club events in 2 years", events) % {"count": events})
    else:
        headline = money(round(score.value, 2), currency)
        detail = _("profit over %(months)s months") % {"months": run.figures["months"]}
        reasons = [
            _("%(percent)s%% likely still active") % {"percent": round(facts["probability_alive"] * 100)},
            _("%(visits)s visits expected next year") % {"visits": number_format(facts["expected_visits_year"], 1)},
            _("%(amount)s profit per visit") % {"amount": money(facts["expected_profit_per_visit"], currency)},
        ]
    return {
        "title": run.get_model_display(), "headline": headline, "detail": detail, "reasons": reasons,
        "as_of": _("as of %(day)s, model %(version)s") % {"day": date_format(run.as_of, "SHORT_DATE_FORMAT"),
                                                          "version": run.version},
    }


def banded(score, names: dict) -> str:
    """An owner model's band in words and its probability: "High · 81%"."""
    return f"{names.get(score.label, score.label)} · {round(score.value * 100)}%"


def worded(condition: str) -> str:
    """The model's condition with the feature's own name in the reader's language."""
    for code, name in FEATURE_NAMES.items():
        condition = condition.replace(code, str(name))
    return condition
