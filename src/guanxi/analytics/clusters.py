"""Customer clusters: k-means on standardised behaviour (plain module: numpy and scikit-learn, no Django).

The RFM grades and the value pyramid sort customers along lines chosen in advance; clustering lets
the data say which kinds of customer the network has (fleet buyers with many cars, owners who
service often and spend much in the workshop, buyers of one car seen once since ...), so that
marketing can address each kind on its own.

Features, one row per customer who bought anything (the customers RFM scores), from the warehouse:
how long since the last purchase, service visits, cars owned now, the age of the newest of them,
car and service spend, and contacts without spend in the last year, from the customer (enquiries,
complaints: the warehouse does not tell the two apart) and to the customer (follow-ups, campaigns).
Purchase days are left out: in the demo they go with service visits at r = 0.99, and a feature
counted twice weighs twice in the distances. Money, counts and days are skewed (a fleet account owns
80 cars, most customers one), so they enter as log(1 + x); then every feature is centred and scaled
to unit variance over all customers, so that none dominates by its unit. A customer without a car
today has no car age: the fit takes the median, the descriptions leave them out.

k is chosen by the mean silhouette (how much closer each customer is to its own cluster than to the
next one) of k-means for k = 2 to 8 on a sample of customers; a k whose silhouette is within 0.01 of
the best ties with it, and a tie goes to the smaller k (fewer kinds are easier to act on). The
centres are fitted on the sample with a fixed random state, so the same data give the same
clusters; every customer is then put in the cluster of the nearest centre. Clusters are numbered
by size, the largest first.

Each cluster is described in numbers (size, share, the mean and median of each feature in its own
unit) and by what sets it apart: the two features whose cluster mean lies farthest from the whole
base's, in standard deviations of the scaled features, each as ("service_spend", "high") for the
pages to word in the reader's language. A feature less than 0.3 standard deviations from the base
sets nothing apart; a cluster with none is "close to the average customer".
"""

from dataclasses import dataclass

import numpy as np

from guanxi.analytics.refusals import TooLittleHistory

FEATURES = ("recency_days", "service_visits", "cars", "car_age_years", "sale_spend", "service_spend",
            "inbound_1y", "outbound_1y")
LOGGED = frozenset(FEATURES) - {"car_age_years"}
K_RANGE = range(2, 9)
TIE = 0.01
FIT_SAMPLE = 20_000
SILHOUETTE_SAMPLE = 4_000  # silhouette compares every pair: 16 million distances per k
RANDOM_STATE = 12
# k-means++ starts per k, the best kept: on the demo one start fell into a poorer grouping of 3 (and so
# chose k = 5); four found what ten find, in under half the time
STARTS = 4
TRAITS = 2
TRAIT_FLOOR = 0.3
MIN_CUSTOMERS = 50

# One row per customer who bought anything up to the day {as_of} (the rows of features.CUSTOMER_SUMMARY,
# in the same order), with what the summary does not hold; over the `transactions` view of features.py.
# Ages are counted from the car's purchase day (its first owner's), or from when this owner got it.
EXTRA = """
WITH buyers AS (
    SELECT DISTINCT customer_id FROM transactions WHERE day <= {as_of}
), owned AS (
    SELECT o.customer_id, COUNT(*) AS cars, MAX(COALESCE(v.purchase_day, o.start_day)) AS newest_car_day
    FROM bridge_ownership o JOIN dim_vehicle v ON v.id = o.vehicle_id
    WHERE o.start_day <= {as_of} AND (o.end_day IS NULL OR o.end_day > {as_of})
    GROUP BY o.customer_id
), service AS (
    SELECT customer_id, COUNT(*) AS service_visits
    FROM transactions WHERE kind = 'service' AND day <= {as_of}
    GROUP BY customer_id
), contacts AS (  -- in the last year, without a purchase: calls, messages, mail, visits that sold nothing
    SELECT customer_id,
           COUNT(CASE WHEN direction = 'in' THEN 1 END) AS inbound_1y,
           COUNT(CASE WHEN direction = 'out' THEN 1 END) AS outbound_1y
    FROM fact_interaction
    WHERE COALESCE(amount, 0) <= 0 AND occurred_day BETWEEN {as_of} - 364 AND {as_of}
      AND channel <> 'event'  -- an owners' club event is influence (the evaluation), not a contact
    GROUP BY customer_id
)
SELECT b.customer_id,
       COALESCE(w.cars, 0) AS cars,
       ({as_of} - w.newest_car_day) / 365.25e0 AS car_age_years,
       COALESCE(s.service_visits, 0) AS service_visits,
       COALESCE(k.inbound_1y, 0) AS inbound_1y,
       COALESCE(k.outbound_1y, 0) AS outbound_1y
FROM buyers b
LEFT JOIN owned w ON w.customer_id = b.customer_id
LEFT JOIN service s ON s.customer_id = b.customer_id
LEFT JOIN contacts k ON k.customer_id = b.customer_id
ORDER BY b.customer_id
"""


def extra_features(as_of_day: int) -> str:
    return EXTRA.format(as_of=int(as_of_day))


@dataclass(frozen=True)
class Scale:
    """How raw features become the standardised ones the distances are measured in."""

    names: tuple[str, ...]
    centre: np.ndarray  # of the transformed features, over all customers
    spread: np.ndarray
    fill: np.ndarray  # the transformed median, for a missing value in the fit

    @classmethod
    def fitted(cls, raw: np.ndarray, names=FEATURES) -> "Scale":
        logged = _transform(raw, names)
        centre, fill = _nan_mean(logged), _nan_median(logged)
        spread = np.sqrt(_nan_mean((logged - centre) ** 2))
        # a feature all customers share (to rounding) sets nobody apart: it is left unscaled, at 0
        spread = np.where(np.isfinite(spread) & (spread > 1e-9 * (1 + np.abs(centre))), spread, 1.0)
        return cls(tuple(names), np.nan_to_num(centre), spread, np.nan_to_num(fill))

    def standardised(self, raw: np.ndarray, *, filled: bool = True) -> np.ndarray:
        logged = _transform(raw, self.names)
        if filled:
            logged = np.where(np.isnan(logged), self.fill, logged)
        return (logged - self.centre) / self.spread

    def as_figures(self) -> dict:
        return {"names": list(self.names), "centre": self.centre.tolist(), "spread": self.spread.tolist(),
                "fill": self.fill.tolist()}

    @classmethod
    def from_figures(cls, figures: dict) -> "Scale":
        return cls(tuple(figures["names"]), *(np.asarray(figures[key], dtype=float)
                                              for key in ("centre", "spread", "fill")))


@dataclass(frozen=True)
class Profile:
    """A cluster in numbers, over whichever customers it is computed for."""

    number: int
    size: int
    share: float
    mean: dict  # feature -> value in its own unit, None where no customer has one
    median: dict
    deviation: dict  # feature -> how far the cluster's mean lies from the whole base's, in standard deviations

    def as_figures(self) -> dict:
        return {"number": self.number, "size": self.size, "share": self.share, "mean": self.mean,
                "median": self.median, "deviation": self.deviation}


@dataclass(frozen=True)
class Clustering:
    k: int
    silhouettes: dict  # k -> mean silhouette on the sample
    labels: np.ndarray  # cluster number (1 = the largest) per customer
    scale: Scale
    profiles: list  # of Profile, by number
    traits: list  # per cluster, by number: [(feature, "high" | "low"), ...] what sets it apart

    def figures(self, fit_rows: int, silhouette_rows: int) -> dict:
        return {
            "k": self.k, "criterion": "silhouette", "tie": TIE, "k_range": [K_RANGE.start, K_RANGE.stop - 1],
            "silhouettes": {str(k): value for k, value in self.silhouettes.items()},
            "fit_rows": fit_rows, "silhouette_rows": silhouette_rows, "scale": self.scale.as_figures(),
            "clusters": [profile.as_figures() | {"traits": [list(trait) for trait in traits]}
                         for profile, traits in zip(self.profiles, self.traits)],
        }


def cluster(raw: np.ndarray) -> tuple[Clustering, dict]:
    """Cluster the customers (rows of `raw`, columns FEATURES, NaN where a value is missing); returns
    the clustering and the run's figures."""
    # here, not at the top: the pages describe clusters over a dealer's customers with this module,
    # and a web worker need not load scikit-learn for that
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    raw = np.asarray(raw, dtype=float)
    if len(raw) < MIN_CUSTOMERS:
        raise TooLittleHistory(f"{len(raw)} customers with purchases: at least {MIN_CUSTOMERS} needed to cluster")
    scale = Scale.fitted(raw)
    points = scale.standardised(raw)
    rng = np.random.default_rng(RANDOM_STATE)
    sample = points[_sample(rng, len(points), FIT_SAMPLE)]
    judged = _sample(rng, len(sample), SILHOUETTE_SAMPLE)
    fits, silhouettes = {}, {}
    distinct = len(np.unique(sample, axis=0))
    for k in K_RANGE:
        if k >= distinct:
            break
        fit = KMeans(n_clusters=k, n_init=STARTS, random_state=RANDOM_STATE).fit(sample)
        if len(np.unique(fit.labels_[judged])) < 2:
            continue
        fits[k] = fit
        silhouettes[k] = round(float(silhouette_score(sample[judged], fit.labels_[judged])), 4)
    if not silhouettes:
        raise TooLittleHistory("the customers are too alike to be told apart in clusters")
    best = max(silhouettes.values())
    k = min(k for k, value in silhouettes.items() if value >= best - TIE)
    nearest = fits[k].predict(points)
    labels = _numbered_by_size(nearest, k)
    profiles = describe(raw, labels, k, scale)
    clustering = Clustering(k, silhouettes, labels, scale, profiles, [traits_of(profile) for profile in profiles])
    return clustering, clustering.figures(len(sample), len(judged))


def describe(raw: np.ndarray, labels: np.ndarray, k: int, scale: Scale) -> list[Profile]:
    """Each cluster's size, share, means, medians and deviations over the customers given: the whole
    base when scoring, one dealer's customers on its page (the scale stays the whole base's, so
    that a deviation means the same on every page)."""
    raw = np.asarray(raw, dtype=float)
    labels = np.asarray(labels, dtype=int)
    standard = scale.standardised(raw, filled=False)
    total = max(len(labels), 1)
    profiles = []
    for number in range(1, k + 1):
        members = labels == number
        mine, standard_mine = raw[members], standard[members]
        profiles.append(Profile(
            number=number, size=int(members.sum()), share=round(float(members.sum()) / total, 4),
            mean=_by_name(scale.names, _nan_mean(mine)), median=_by_name(scale.names, _nan_median(mine)),
            deviation={name: 0.0 if value is None else value
                       for name, value in _by_name(scale.names, _nan_mean(standard_mine)).items()},
        ))
    return profiles


def traits_of(profile: Profile, top: int = TRAITS) -> list[tuple[str, str]]:
    """The features that set the cluster apart, farthest from the base first."""
    apart = sorted(((abs(value), name, value) for name, value in profile.deviation.items()
                    if abs(value) >= TRAIT_FLOOR), reverse=True)
    return [(name, "high" if value > 0 else "low") for _, name, value in apart[:top]]


def _transform(raw: np.ndarray, names) -> np.ndarray:
    values = np.array(raw, dtype=float, copy=True)
    for column, name in enumerate(names):
        if name in LOGGED:
            values[:, column] = np.log1p(np.maximum(values[:, column], 0))
    return values


def _sample(rng, rows: int, size: int) -> np.ndarray:
    return np.arange(rows) if rows <= size else np.sort(rng.choice(rows, size, replace=False))


def _numbered_by_size(nearest: np.ndarray, k: int) -> np.ndarray:
    sizes = np.bincount(nearest, minlength=k)
    order = sorted(range(k), key=lambda centre: (-sizes[centre], centre))
    number = np.empty(k, dtype=int)
    number[order] = np.arange(1, k + 1)
    return number[nearest]


def _nan_mean(values: np.ndarray) -> np.ndarray:
    """Column means over the values present; NaN for a column with none (no warning)."""
    present = ~np.isnan(values)
    counts = present.sum(axis=0)
    sums = np.where(present, values, 0).sum(axis=0)
    return np.divide(sums, counts, out=np.full(values.shape[1], np.nan), where=counts > 0)


def _nan_median(values: np.ndarray) -> np.ndarray:
    return np.array([np.median(column[~np.isnan(column)]) if (~np.isnan(column)).any() else np.nan
                     for column in values.T])


def _by_name(names, values: np.ndarray) -> dict:
    return {name: None if np.isnan(value) else round(float(value), 4) for name, value in zip(names, values)}
