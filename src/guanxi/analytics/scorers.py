"""Each model turned into scores per customer (plain module: no Django).

A scorer reads the warehouse only through `query(sql) -> {column: numpy array}`, so the same code
scores from DuckDB here and from Spark when one machine is outgrown; the caller stores the result.
Reasons are [code, value] pairs that the 360 page words in the reader's language.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.utils import resample

from guanxi.analytics import churn, clusters, clv, evaluation, features, rfm
from guanxi.analytics.refusals import FailedEvaluation

Query = Callable[[str], dict]

# Lifetime value: the profit expected over the next three years, month by month, discounted 8% a year.
CLV_MONTHS = 36
DAYS_PER_MONTH = 365.25 / 12
YEARLY_DISCOUNT = 0.08
# Churn risk bands, as probabilities of churning within the horizon.
CHURN_BANDS = (("high", 0.5), ("medium", 0.2), ("low", 0.0))
# Repurchase bands, as probabilities of buying a new car within the horizon: replacing is rarer than
# lapsing (a car is kept about six years), so a third is already a strong sign.
REPURCHASE_BANDS = (("high", 0.3), ("medium", 0.1), ("low", 0.0))
# The owners the churn and repurchase models learn from, and are judged on, at most: a random sample of
# this size (the outcome's rate kept) ranks the whole base as well as every owner does. On bench/scoring.py's
# 3 million customers, churn fitted on 200,000 of 1,312,099 owners: held-out AUC 0.7999 against 0.8005,
# top-decile lift 3.05 against 3.06, the fit 6.4 s against 43.7 s.
FIT_OWNERS = 200_000


@dataclass(frozen=True)
class Scored:
    customer_ids: np.ndarray
    value: np.ndarray
    label: np.ndarray
    reasons: list
    figures: dict


def customer_summary(query: Query, as_of_day: int) -> dict:
    views, summary = features.customer_summary(as_of_day, rfm.DEFAULT_MARGINS)
    for statement in views:
        query(statement)
    return query(summary)


def rfm_scores(summary: dict) -> Scored:
    graded = rfm.rfm(summary["recency_days"], summary["purchase_days"], summary["spend"])
    reasons = [[["recency_days", int(r)], ["purchase_days", int(f)], ["spend", round(float(m), 2)]]
               for r, f, m in zip(summary["recency_days"], summary["purchase_days"], summary["spend"])]
    counts = {name: int((graded.segment == name).sum()) for name in rfm.SEGMENTS}
    return Scored(summary["customer_id"], graded.code.astype(float), graded.segment, reasons, {"segments": counts})


def pyramid_scores(summary: dict) -> Scored:
    profits = np.asarray(summary["profit"], dtype=float)
    pyramid = rfm.value_pyramid(profits)
    reasons = [[["top_share", round(float(share), 4)], ["sale_spend", round(float(sale), 2)],
                ["service_spend", round(float(service), 2)]]
               for share, sale, service in zip(pyramid.top_share, summary["sale_spend"], summary["service_spend"])]
    figures = {"profit_share": pyramid.profit_share, "margins": rfm.DEFAULT_MARGINS,
               "cut_offs": dict(rfm.DEFAULT_PYRAMID)}
    return Scored(summary["customer_id"], profits, pyramid.level, reasons, figures)


def clv_scores(summary: dict) -> Scored:
    x, t_x, age, profit = (np.asarray(summary[name], dtype=float)
                           for name in ("repeat_purchases", "last_after_first", "age", "repeat_profit"))
    beta_geo = clv.fit_beta_geo(x, t_x, age)
    gamma_gamma = clv.fit_gamma_gamma(x, profit)
    value = clv.lifetime_value(beta_geo, gamma_gamma, x, t_x, age, profit, periods=CLV_MONTHS,
                               period_length=DAYS_PER_MONTH,
                               discount_per_period=(1 + YEARLY_DISCOUNT) ** (1 / 12) - 1)
    alive = beta_geo.probability_alive(x, t_x, age)
    next_year = beta_geo.expected_purchases(365.25, x, t_x, age)
    per_visit = gamma_gamma.expected_spend(x, profit)
    unusable = ~(np.isfinite(value) & np.isfinite(alive) & np.isfinite(next_year) & np.isfinite(per_visit))
    if unusable.any():
        raise FailedEvaluation(f"the fitted models give no finite value for {int(unusable.sum())} customers "
                               f"(BG/NBD r={beta_geo.r:.3g} alpha={beta_geo.alpha:.3g} a={beta_geo.a:.3g} "
                               f"b={beta_geo.b:.3g})")
    reasons = [[["probability_alive", round(float(a), 3)], ["expected_visits_year", round(float(n), 2)],
                ["expected_profit_per_visit", round(float(s), 2)]] for a, n, s in zip(alive, next_year, per_visit)]
    figures = {
        "bg_nbd": {"r": beta_geo.r, "alpha": beta_geo.alpha, "a": beta_geo.a, "b": beta_geo.b,
                   "log_likelihood": beta_geo.log_likelihood},
        "gamma_gamma": {"p": gamma_gamma.p, "q": gamma_gamma.q, "gamma": gamma_gamma.gamma},
        "months": CLV_MONTHS, "yearly_discount": YEARLY_DISCOUNT, "total": float(value.sum()),
    }
    return Scored(summary["customer_id"], value, np.full(len(value), "", dtype=object), reasons, figures)


def evaluation_scores(summary: dict, lifetime: Scored, weights: dict) -> Scored:
    """The quantified evaluation of each buyer (evaluation.py): value the weighted rank from 0 to 100, label its
    grade; reasons the four ranks and the figures behind loyalty and influence. Potential is the lifetime value
    scored from the same summary (`lifetime`, in its order)."""
    if not np.array_equal(lifetime.customer_ids, summary["customer_id"]):
        raise ValueError("the lifetime values and the customer summary list different customers")
    counted = ("sale_days", "service_days_2y", "referrals", "club_events_2y")
    counts = {name: np.asarray(summary[name], dtype=np.int64) for name in counted}
    graded = evaluation.evaluate(profit=summary["profit"], potential=lifetime.value, weights=weights, **counts)
    ranks = [np.rint(graded.dimensions[name]).astype(np.int64).tolist() for name in evaluation.DIMENSIONS]
    figures = [counts[name].tolist() for name in counted]
    reasons = [[*([name, rank] for name, rank in zip(evaluation.DIMENSIONS, own_ranks)),
                ["cars_bought", cars], ["service_visits_2y", visits], ["referrals", referred],
                ["club_events_2y", events]]
               for *own_ranks, cars, visits, referred, events in zip(*ranks, *figures)]
    overall = np.round(graded.overall, 1)
    labels = evaluation.grades(overall)
    summary_figures = {
        "weights": evaluation.checked_weights(weights),
        "grades": {grade: int((labels == grade).sum()) for grade, _floor in evaluation.GRADES},
        "referrals": int(counts["referrals"].sum()),
        "referrers": int((counts["referrals"] > 0).sum()),
        "club_goers": int((counts["club_events_2y"] > 0).sum()),
        "repurchased_share": float((counts["sale_days"] >= 2).mean()) if len(counts["sale_days"]) else 0.0,
        "mean": float(graded.overall.mean()) if len(graded.overall) else 0.0,
    }
    return Scored(summary["customer_id"], overall, labels, reasons, summary_figures)


# How a customer's own figures are kept in the reasons of their cluster score: whole counts, money to the
# cent, car age to a tenth of a year.
CLUSTER_DIGITS = {"recency_days": 0, "service_visits": 0, "cars": 0, "car_age_years": 1, "sale_spend": 2,
                  "service_spend": 2, "inbound_1y": 0, "outbound_1y": 0}


def cluster_scores(query: Query, summary: dict, as_of_day: int) -> Scored:
    """Each buyer's cluster: value and label its number; reasons what sets the cluster apart and the
    customer's own figures (in the order of the run's features), from which a page limited to some
    customers describes the clusters."""
    extra = query(clusters.extra_features(as_of_day))
    if not np.array_equal(extra["customer_id"], summary["customer_id"]):
        raise ValueError("the cluster features and the customer summary list different customers")
    columns = {**extra, **{name: summary[name] for name in ("recency_days", "sale_spend", "service_spend")}}
    raw = np.column_stack([np.ma.filled(np.ma.asarray(columns[name], dtype=float), np.nan)
                           for name in clusters.FEATURES])
    clustering, figures = clusters.cluster(raw)
    traits = [[list(trait) for trait in found] for found in clustering.traits]
    own = zip(*(_kept(raw[:, column], CLUSTER_DIGITS[name]) for column, name in enumerate(clusters.FEATURES)))
    reasons = [[["traits", traits[number - 1]], ["figures", list(values)]]
               for number, values in zip(clustering.labels.tolist(), own)]
    return Scored(summary["customer_id"], clustering.labels.astype(float),
                  clustering.labels.astype(str).astype(object), reasons, figures)


def _kept(values: np.ndarray, digits: int) -> list:
    """A column as it is stored: rounded, whole numbers as integers, None where missing."""
    missing = np.isnan(values)
    rounded = np.round(np.where(missing, 0, values), digits)
    kept = rounded.astype(np.int64).tolist() if digits == 0 else rounded.tolist()
    if missing.any():
        kept = [None if gone else value for value, gone in zip(kept, missing.tolist())]
    return kept


@dataclass(frozen=True)
class OwnerOutcome:
    """What the churn and repurchase scorers differ in: the outcome the models learn, its horizon, the
    features, and the one-column rule the network would use without a model (which they must beat)."""

    name: str  # as the models' messages and rules say it
    column: str  # of features.OWNERS: 1 when it happened within the horizon
    horizon_days: int
    features: tuple[str, ...]
    baseline: str  # a feature column whose higher values mean the outcome is likelier
    baseline_words: str
    bands: tuple[tuple[str, float], ...]


CHURN = OwnerOutcome("churn", "churned", features.CHURN_HORIZON_DAYS, features.CHURN_FEATURES,
                     "months_since_service", "months since the last paid service visit", CHURN_BANDS)
REPURCHASE = OwnerOutcome("repurchase", "replaced", features.REPURCHASE_HORIZON_DAYS, features.REPURCHASE_FEATURES,
                          "oldest_car_years", "the age of the owner's oldest car", REPURCHASE_BANDS)


def churn_scores(query: Query, as_of_day: int) -> Scored:
    """Owners' risk of churning within the horizon."""
    return owner_scores(query, as_of_day, CHURN)


def repurchase_scores(query: Query, as_of_day: int) -> Scored:
    """Owners' probability of buying a new car within the horizon."""
    return owner_scores(query, as_of_day, REPURCHASE)


def owner_scores(query: Query, as_of_day: int, outcome: OwnerOutcome) -> Scored:
    """Owners' probability of the outcome within its horizon, learnt on the past and checked on a later past.

    The models learn from owners as they were two horizons ago and what they did in the horizon
    after; they are then judged on owners one horizon ago and what they did since, which the fit
    never saw. They are published only if they pass the evaluation threshold and rank better than
    the rule the network uses without them (for churn: how long ago the owner was last seen in the
    workshop; for repurchase: how old their car is). The published scores come from models refitted
    on the latest complete horizon."""
    horizon = outcome.horizon_days
    past, recent, now = (query(features.owners(as_of_day - back, as_of_day)) for back in (2 * horizon, horizon, 0))
    held_out = _sample(recent, outcome)
    happened = held_out[outcome.column]
    evaluation = churn.evaluate(_fit(_sample(past, outcome), outcome), _features(held_out, outcome), happened)
    baseline = float(roc_auc_score(happened, np.ma.filled(np.ma.asarray(held_out[outcome.baseline], dtype=float), 0)))
    shortfalls = evaluation.shortfalls()
    if evaluation.strong_auc <= baseline:
        shortfalls.append(f"AUC {evaluation.strong_auc:.3f} does not beat {outcome.baseline_words} alone "
                          f"({baseline:.3f})")
    if shortfalls:
        raise FailedEvaluation("; ".join(shortfalls))
    models = _fit(held_out, outcome)  # the same owners: the latest complete horizon, sampled once
    scored = churn.risk_with_reasons(models, _features(now, outcome))
    value = np.array([probability for probability, _ in scored])
    label = np.array([next(name for name, floor in outcome.bands if probability >= floor) for probability in value],
                     dtype=object)
    figures = {
        "horizon_days": horizon, "held_out_owners": evaluation.rows, "held_out_rate": evaluation.churn_rate,
        "auc": evaluation.strong_auc, "tree_auc": evaluation.tree_auc, "top_decile_lift": evaluation.top_decile_lift,
        "baseline_auc": baseline, "baseline": outcome.baseline_words,
        "rules": churn.tree_rules(models, outcome.name).splitlines(),
    }
    return Scored(now["customer_id"], value, label, [[["why", reasons]] for _, reasons in scored], figures)


def _sample(rows: dict, outcome: OwnerOutcome) -> dict:
    """At most FIT_OWNERS owners drawn at random with a fixed seed, the outcome's rate kept, in their
    original order; all of them when they are fewer."""
    everyone = np.arange(len(rows["customer_id"]))
    if len(everyone) <= FIT_OWNERS:
        return rows
    kept = np.sort(resample(everyone, replace=False, n_samples=FIT_OWNERS, random_state=0,
                            stratify=np.ma.filled(np.ma.asarray(rows[outcome.column]), 0)))
    return {name: column[kept] for name, column in rows.items()}


def _fit(rows: dict, outcome: OwnerOutcome) -> churn.ChurnModels:
    return churn.fit(_features(rows, outcome), rows[outcome.column], features.OWNER_CATEGORIES, outcome=outcome.name)


def _features(rows: dict, outcome: OwnerOutcome) -> dict:
    return {name: rows[name] for name in outcome.features}
