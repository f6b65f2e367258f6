"""RFM segments and the value pyramid (plain module: numpy only).

RFM grades each customer 1-5 on recency, frequency and monetary value by quintile among the
customers who bought anything, then names the segment marketing acts on. The value pyramid ranks
customers by the profit they brought (sales and service spend times their margins): a few VIPs at
the top carry much of the profit ("20% of customers bring 80%"), and the pyramid tells which to keep
and whom to move up.
"""

from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata

# Segments in the order their rules are tried; fm is the mean of the frequency and monetary grades.
SEGMENT_RULES = (
    ("champions", lambda r, fm: (r >= 4) & (fm >= 4)),
    ("loyal", lambda r, fm: (r >= 3) & (fm >= 3)),
    ("new", lambda r, fm: r >= 4),
    ("needs_attention", lambda r, fm: r == 3),
    ("cannot_lose", lambda r, fm: (r == 1) & (fm >= 4)),
    ("at_risk", lambda r, fm: fm >= 3),
    ("hibernating", lambda r, fm: r == 2),
    ("lost", lambda r, fm: r == 1),
)
SEGMENTS = tuple(name for name, _ in SEGMENT_RULES)

# Share of customers (best first) in each level; the rest are C. Configurable per deployment.
DEFAULT_PYRAMID = (("vip", 0.01), ("a", 0.04), ("b", 0.15))
# Gross margin on what customers pay: a new car earns a dealer little, after-sales service much
# (after-sales is ~70% of the industry's profit).
DEFAULT_MARGINS = {"sale": 0.05, "service": 0.40}


@dataclass(frozen=True)
class Rfm:
    recency: np.ndarray  # grades 1-5, 5 = bought most recently
    frequency: np.ndarray
    monetary: np.ndarray
    segment: np.ndarray  # names from SEGMENTS

    @property
    def code(self) -> np.ndarray:
        """The three grades as one number (R F M): 545."""
        return self.recency * 100 + self.frequency * 10 + self.monetary


def grades(values, *, higher_is_better: bool = True) -> np.ndarray:
    """Quintile grades 1-5 by rank; equal values share a grade (their mean rank decides)."""
    values = np.asarray(values, dtype=float)
    if len(values) == 0:
        return np.zeros(0, dtype=int)
    ranks = rankdata(values if higher_is_better else -values, method="average")
    return np.clip(np.ceil(ranks / len(values) * 5), 1, 5).astype(int)


def rfm(recency_days, frequency, monetary) -> Rfm:
    r = grades(recency_days, higher_is_better=False)
    f = grades(frequency)
    m = grades(monetary)
    fm = (f + m) / 2
    segment = np.full(len(r), "", dtype=object)
    for name, rule in SEGMENT_RULES:
        segment[(segment == "") & rule(r, fm)] = name
    return Rfm(r, f, m, segment)


@dataclass(frozen=True)
class Pyramid:
    level: np.ndarray  # "vip", "a", "b", "c"
    top_share: np.ndarray  # the customer's rank as a share from the top: 0.003 = in the top 0.3%
    profit_share: dict  # level -> share of all profit it brings


def value_pyramid(profits, cut_offs=DEFAULT_PYRAMID) -> Pyramid:
    """Levels by rank of profit: the first level holds the top `share` of customers, and so on."""
    profits = np.asarray(profits, dtype=float)
    count = len(profits)
    order = np.argsort(-profits, kind="stable")
    top_share = np.empty(count)
    top_share[order] = (np.arange(count) + 1) / max(count, 1)
    level = np.full(count, "c", dtype=object)
    for name, share in reversed(_cumulative(cut_offs)):
        level[top_share <= share] = name
    total = profits.sum() or 1.0
    names = [name for name, _ in cut_offs] + ["c"]
    return Pyramid(level, top_share, {name: float(profits[level == name].sum() / total) for name in names})


def _cumulative(cut_offs):
    running, bounds = 0.0, []
    for name, share in cut_offs:
        running += share
        bounds.append((name, running))
    return bounds
