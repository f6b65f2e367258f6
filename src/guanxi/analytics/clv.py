"""Customer lifetime value: BG/NBD (how often, and for how long, a customer keeps buying) and
Gamma-Gamma (how much per purchase), fitted by maximum likelihood.

Fader, Hardie & Lee, "Counting your customers the easy way" (2005) and "RFM and CLV" (2005).
lifetimes did this but is archived, and pymc-marketing needs Python 3.12; the likelihoods are
short, so they are written here with numpy and scipy, with their exact gradients so that
L-BFGS-B needs a few dozen passes over the data even for millions of customers. Customers with
the same (x, t_x, T) summary contribute the same term, so the data are folded into unique rows
with weights before fitting, and functions of the purchase count alone are computed once per count.

Inputs per customer, in one time unit of the caller's choice (weeks for CDNOW, days elsewhere):
x = repeat purchases, t_x = time of the last purchase since the first, T = time since the first
purchase; for Gamma-Gamma also m = the mean value of the repeat purchases.
"""

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import digamma, gammaln, hyp2f1

from guanxi.analytics.refusals import TooLittleHistory

MIN_CUSTOMERS = 20
MIN_REPEAT_BUYERS = 10


@dataclass(frozen=True)
class BetaGeo:
    """BG/NBD: purchase rate ~ Gamma(r, alpha); drop-out probability after each purchase ~ Beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float

    def probability_alive(self, x, t_x, T):
        x, t_x, T = _arrays(x, t_x, T)
        return 1.0 / (1.0 + self._dropped_odds(x, t_x, T))

    def expected_purchases(self, t, x, t_x, T):
        """Purchases expected in the next `t` time units from a customer with this history."""
        x, t_x, T = _arrays(x, t_x, T)
        r, alpha, a, b = self.r, self.alpha, self.a, self.b
        ahead = (alpha + T) / (alpha + T + t)
        bracket = 1.0 - ahead ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1.0, t / (alpha + T + t))
        return (a + b + x - 1.0) / (a - 1.0) * bracket / (1.0 + self._dropped_odds(x, t_x, T))

    def _dropped_odds(self, x, t_x, T):
        """Odds that a customer with repeat purchases has dropped out since the last one (0 without repeats)."""
        repeat = x > 0
        odds = np.zeros_like(x)
        xr = x[repeat]
        odds[repeat] = (self.a / (self.b + xr - 1.0)
                        * ((self.alpha + T[repeat]) / (self.alpha + t_x[repeat])) ** (self.r + xr))
        return odds


@dataclass(frozen=True)
class GammaGamma:
    """Spend per purchase ~ Gamma(p, nu), nu ~ Gamma(q, gamma) across customers."""

    p: float
    q: float
    gamma: float
    log_likelihood: float

    def expected_spend(self, x, m):
        """Expected value of a customer's future purchases: shrinks their own mean towards the population's."""
        x, m = _arrays(x, m)
        return self.p * (self.gamma + x * m) / (self.p * x + self.q - 1.0)


def fit_beta_geo(x, t_x, T) -> BetaGeo:
    x, t_x, T = _arrays(x, t_x, T)
    _check_history(x, T)
    rows, weights = _fold(x, t_x, T)
    x, t_x, T = rows
    scale = 10.0 / T.max()  # times of order 10 keep the optimiser's steps sensible; alpha scales back
    t_x_s, T_s = t_x * scale, T * scale
    counts = _Counts(x)
    total = weights.sum()

    def negative_mean(log_params):
        r, alpha, a, b = np.exp(log_params)
        ll, grad = _beta_geo_terms(r, alpha, a, b, counts, t_x_s, T_s)
        return -(weights @ ll) / total, -(grad @ weights) / total * np.array([r, alpha, a, b])

    log_params = _minimize(negative_mean, 4)
    r, alpha, a, b = np.exp(log_params)
    alpha /= scale
    ll, _ = _beta_geo_terms(r, alpha, a, b, counts, t_x, T)
    return BetaGeo(float(r), float(alpha), float(a), float(b), float(weights @ ll))


def fit_gamma_gamma(x, m) -> GammaGamma:
    """Fitted on repeat buyers only (x > 0, m > 0): the mean of no purchase says nothing."""
    x, m = _arrays(x, m)
    keep = (x > 0) & (m > 0)
    if keep.sum() < MIN_REPEAT_BUYERS:
        raise TooLittleHistory(f"{int(keep.sum())} repeat buyers with a spend; at least {MIN_REPEAT_BUYERS} needed")
    (x, m), weights = _fold(x[keep], m[keep])
    scale = 10.0 / m.max()  # spend of order 10; gamma scales back, p and q do not
    m_s = m * scale
    total = weights.sum()

    def negative_mean(log_params):
        p, q, gamma = np.exp(log_params)
        ll, grad = _gamma_gamma_terms(p, q, gamma, x, m_s)
        return -(weights @ ll) / total, -(grad @ weights) / total * np.array([p, q, gamma])

    log_params = _minimize(negative_mean, 3)
    p, q, gamma = np.exp(log_params)
    gamma /= scale
    ll, _ = _gamma_gamma_terms(p, q, gamma, x, m)
    return GammaGamma(float(p), float(q), float(gamma), float(weights @ ll))


def lifetime_value(beta_geo: BetaGeo, gamma_gamma: GammaGamma, x, t_x, T, m, *, periods: int,
                   period_length: float, discount_per_period: float):
    """Discounted value of the purchases expected over `periods` periods of `period_length` time units:
    the expected purchases in each period times the expected spend per purchase, discounted."""
    x, t_x, T, m = _arrays(x, t_x, T, m)
    spend = gamma_gamma.expected_spend(x, m)
    value = np.zeros_like(x)
    before = np.zeros_like(x)
    for period in range(1, periods + 1):
        until = beta_geo.expected_purchases(period * period_length, x, t_x, T)
        value += (until - before) * spend / (1.0 + discount_per_period) ** period
        before = until
    return value


class _Counts:
    """The purchase counts of the rows: few distinct values (tens, not millions), so every special
    function of a count is computed once per distinct count and spread to the rows."""

    def __init__(self, x):
        self.x = x
        self.distinct, self.row_of = np.unique(x, return_inverse=True)
        self.repeat = x > 0

    def each(self, function, shift):
        return function(shift + self.distinct)[self.row_of]


def _beta_geo_terms(r, alpha, a, b, counts: _Counts, t_x, T):
    """Per-row log-likelihood and its gradient (rows: r, alpha, a, b)."""
    x, repeat = counts.x, counts.repeat
    ln_a1 = counts.each(gammaln, r) - gammaln(r) + r * np.log(alpha)
    ln_a2 = gammaln(a + b) + counts.each(gammaln, b) - gammaln(b) - counts.each(gammaln, a + b)
    log_alpha_T, log_alpha_t_x = np.log(alpha + T), np.log(alpha + t_x)
    ln_a3 = -(r + x) * log_alpha_T
    ln_a4 = np.full_like(x, -np.inf)
    xr = x[repeat]
    ln_a4[repeat] = np.log(a) - np.log(b + xr - 1.0) - (r + xr) * log_alpha_t_x[repeat]
    mixed = np.logaddexp(ln_a3, ln_a4)
    w3, w4 = np.exp(ln_a3 - mixed), np.exp(ln_a4 - mixed)
    inverse_b = np.zeros_like(x)
    inverse_b[repeat] = 1.0 / (b + xr - 1.0)
    digamma_a_b_x = counts.each(digamma, a + b)
    grad = np.vstack([
        counts.each(digamma, r) - digamma(r) + np.log(alpha) - w3 * log_alpha_T - w4 * log_alpha_t_x,
        r / alpha - (r + x) * (w3 / (alpha + T) + w4 / (alpha + t_x)),
        digamma(a + b) - digamma_a_b_x + w4 / a,
        digamma(a + b) + counts.each(digamma, b) - digamma(b) - digamma_a_b_x - w4 * inverse_b,
    ])
    return ln_a1 + ln_a2 + mixed, grad


def _gamma_gamma_terms(p, q, gamma, x, m):
    px = p * x
    spent = x * m + gamma
    ll = (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(gamma) + (px - 1.0) * np.log(m)
          + px * np.log(x) - (px + q) * np.log(spent))
    grad = np.vstack([
        x * (digamma(px + q) - digamma(px) + np.log(m) + np.log(x) - np.log(spent)),
        digamma(px + q) - digamma(q) + np.log(gamma) - np.log(spent),
        q / gamma - (px + q) / spent,
    ])
    return ll, grad


def _minimize(negative_mean, size: int) -> np.ndarray:
    result = minimize(negative_mean, np.zeros(size), jac=True, method="L-BFGS-B",
                      bounds=[(-12.0, 12.0)] * size, options={"maxiter": 500, "gtol": 1e-9, "ftol": 1e-14})
    if not np.all(np.isfinite(result.x)) or not np.isfinite(result.fun):
        raise TooLittleHistory(f"the fit did not converge: {result.message}")
    return result.x


def _check_history(x, T) -> None:
    if len(x) < MIN_CUSTOMERS:
        raise TooLittleHistory(f"{len(x)} customers with purchases; at least {MIN_CUSTOMERS} needed")
    if (x > 0).sum() < MIN_REPEAT_BUYERS:
        raise TooLittleHistory(f"{int((x > 0).sum())} repeat buyers; at least {MIN_REPEAT_BUYERS} needed")
    if not (T > 0).any():
        raise TooLittleHistory("every customer bought for the first time today")


def _fold(*columns):
    """Unique rows and how often each occurs: the likelihood is a weighted sum over them. Whole
    numbers (days, counts, cents) are packed into one integer per row, whose sort is several times
    faster than sorting rows; other values are sorted row-wise with lexsort."""
    stacked = np.column_stack(columns)
    packed = _packed(stacked)
    if packed is not None:
        _, first, counts = np.unique(packed, return_index=True, return_counts=True)
        return tuple(stacked[first].T), counts.astype(float)
    ordered = stacked[np.lexsort(stacked.T[::-1])]
    starts = np.flatnonzero(np.concatenate(([True], np.any(ordered[1:] != ordered[:-1], axis=1))))
    counts = np.diff(np.append(starts, len(ordered)))
    return tuple(ordered[starts].T), counts.astype(float)


def _packed(stacked: np.ndarray):
    """One int64 per row when every column holds whole numbers whose ranges fit together, else None."""
    if not len(stacked) or not np.all(stacked == np.round(stacked)):
        return None
    low = stacked.min(axis=0)
    spans = stacked.max(axis=0) - low + 1
    if np.prod(spans) >= 2.0**62:
        return None
    packed = np.zeros(len(stacked), dtype=np.int64)
    for column, offset, span in zip(stacked.T, low, spans):
        packed = packed * int(span) + (column - offset).astype(np.int64)
    return packed


def _arrays(*columns):
    return tuple(np.asarray(column, dtype=float) for column in columns)
