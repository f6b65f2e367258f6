"""The quantified evaluation of a customer (DOMAIN.md): profit, loyalty, potential and influence, each a rank
from 0 to 100 against the rest of the base, and their weighted mean (plain module: no Django).

Ranks, not amounts: the four are counted in different units (money, visits, referrals), and money is so
skewed (a fifth of the customers bring most of the profit) that a mean of amounts would be the profit alone. A
rank reads the same for each: "better than x % of the customers".
"""

from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata

DIMENSIONS = ("profit", "loyalty", "potential", "influence")
# Profit first, as the value pyramid ranks; loyalty and potential (lifetime value) next; influence last, since
# most customers refer nobody and a referral is recorded only when someone says who sent them.
DEFAULT_WEIGHTS = {"profit": 0.4, "loyalty": 0.25, "potential": 0.25, "influence": 0.1}
# Service retention: an owner with a paid visit a year over the last two years is fully retained.
VISITS_KEPT_IN_TWO_YEARS = 2
# Influence: a customer brought in counts as much as three owners' club events taken part in over two years (a
# referral is a sale someone made for the brand; an event shows the brand to whoever comes along).
CLUB_EVENTS_PER_REFERRAL = 3
# The grade of the overall score, for segments, dashboards and call lists: its quarters of the 0-100 scale.
GRADES = (("a", 75.0), ("b", 50.0), ("c", 25.0), ("d", 0.0))


@dataclass(frozen=True)
class Evaluation:
    dimensions: dict[str, np.ndarray]  # name -> 0..100 per customer
    overall: np.ndarray  # the weighted mean, 0..100


def checked_weights(weights: dict) -> dict[str, float]:
    """The weights of the four dimensions, or ValueError saying what is wrong with them."""
    unknown = sorted(set(weights) - set(DIMENSIONS))
    if unknown:
        raise ValueError(f"unknown evaluation dimensions {unknown}; known: {', '.join(DIMENSIONS)}")
    kept = {name: float(weights.get(name, 0)) for name in DIMENSIONS}
    if any(not np.isfinite(weight) or weight < 0 for weight in kept.values()) or sum(kept.values()) <= 0:
        raise ValueError(f"evaluation weights must be numbers of at least 0, not all 0: {weights}")
    return kept


def rank_score(values) -> np.ndarray:
    """0 for the lowest value and every customer tied with it, 100 for the highest; in between, the share of
    customers below."""
    values = np.asarray(values, dtype=float)
    if len(values) < 2:
        return np.zeros(len(values))
    return (rankdata(values, method="min") - 1) * (100.0 / (len(values) - 1))


def loyalty(sale_days, service_days_2y) -> np.ndarray:
    """Half repurchase (bought a car on a second day), half service retention (paid visits over the last two
    years against VISITS_KEPT_IN_TWO_YEARS): 0 to 1."""
    repurchased = (np.asarray(sale_days) >= 2).astype(float)
    retained = np.minimum(np.asarray(service_days_2y, dtype=float) / VISITS_KEPT_IN_TWO_YEARS, 1.0)
    return (repurchased + retained) / 2


def influence(referrals, club_events_2y) -> np.ndarray:
    """Customers referred, plus club events over the last two years at CLUB_EVENTS_PER_REFERRAL to a referral."""
    return np.asarray(referrals, dtype=float) + np.asarray(club_events_2y, dtype=float) / CLUB_EVENTS_PER_REFERRAL


def grades(overall) -> np.ndarray:
    """"a" from 75, "b" from 50, "c" from 25, else "d"."""
    overall = np.asarray(overall, dtype=float)
    return np.select([overall >= floor for _grade, floor in GRADES], [grade for grade, _floor in GRADES],
                     default=GRADES[-1][0]).astype(object)


def evaluate(*, profit, potential, sale_days, service_days_2y, referrals, club_events_2y, weights: dict) -> Evaluation:
    weights = checked_weights(weights)
    dimensions = {
        "profit": rank_score(profit),
        "loyalty": rank_score(loyalty(sale_days, service_days_2y)),
        "potential": rank_score(potential),
        "influence": rank_score(influence(referrals, club_events_2y)),
    }
    overall = sum(dimensions[name] * weight for name, weight in weights.items()) / sum(weights.values())
    return Evaluation(dimensions, overall)
