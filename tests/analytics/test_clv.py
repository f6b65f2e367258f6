"""Lifetime value: our BG/NBD and Gamma-Gamma fits reproduce the published CDNOW estimates and agree
with lifetimes (the archived reference implementation, kept as a test oracle)."""

import warnings

import numpy as np
import pytest

from guanxi.analytics import clv

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # lifetimes imports pkg_resources and pandas idioms that warn
    from lifetimes import BetaGeoFitter, GammaGammaFitter
    from lifetimes.datasets import load_cdnow_summary_data_with_monetary_value

WEEKS_PER_MONTH = 4.345  # lifetimes' own factor for monthly periods on weekly data


@pytest.fixture(scope="module")
def cdnow():
    """The 2,357 CDNOW customers of Fader, Hardie & Lee (2005), in weeks."""
    return load_cdnow_summary_data_with_monetary_value()


@pytest.fixture(scope="module")
def fits(cdnow):
    return (clv.fit_beta_geo(cdnow.frequency, cdnow.recency, cdnow["T"]),
            clv.fit_gamma_gamma(cdnow.frequency, cdnow.monetary_value))


def test_bg_nbd_reproduces_the_published_cdnow_estimates(fits):
    beta_geo, _ = fits
    assert (round(beta_geo.r, 3), round(beta_geo.alpha, 3)) == (0.243, 4.414)
    assert (round(beta_geo.a, 3), round(beta_geo.b, 3)) == (0.793, 2.426)
    assert beta_geo.log_likelihood == pytest.approx(-9582.4, abs=0.05)


def test_gamma_gamma_reproduces_the_published_estimates_on_the_946_repeat_buyers(cdnow, fits):
    _, gamma_gamma = fits
    assert (cdnow.frequency > 0).sum() == 946
    assert (round(gamma_gamma.p, 2), round(gamma_gamma.q, 2), round(gamma_gamma.gamma, 2)) == (6.25, 3.74, 15.45)


def test_hardies_worked_example_expects_1_226_purchases_in_39_weeks(fits):
    beta_geo, _ = fits
    assert float(beta_geo.expected_purchases(39, 2, 30.43, 38.86)[()]) == pytest.approx(1.226, abs=5e-4)


def test_a_customer_without_repeat_purchases_is_alive_and_a_long_silent_one_less_so(fits):
    beta_geo, _ = fits
    alive = beta_geo.probability_alive([0, 5, 5], [0, 37, 5], [38, 38, 38])
    assert alive[0] == 1.0
    assert alive[1] > 0.8
    assert alive[2] < 0.01  # five purchases in the first five weeks, then 33 weeks of silence


def test_per_customer_figures_agree_with_lifetimes(cdnow, fits):
    beta_geo, gamma_gamma = fits
    frequency, recency, age, spend = cdnow.frequency, cdnow.recency, cdnow["T"], cdnow.monetary_value
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        oracle_bg = BetaGeoFitter().fit(frequency, recency, age)
        oracle_gg = GammaGammaFitter().fit(frequency[frequency > 0], spend[frequency > 0])
        oracle_alive = oracle_bg.conditional_probability_alive(frequency, recency, age)
        oracle_purchases = oracle_bg.conditional_expected_number_of_purchases_up_to_time(52, frequency, recency, age)
        oracle_value = oracle_gg.customer_lifetime_value(oracle_bg, frequency, recency, age, spend, time=12,
                                                         freq="W", discount_rate=0.01)
    np.testing.assert_allclose(beta_geo.probability_alive(frequency, recency, age), oracle_alive, rtol=1e-4)
    np.testing.assert_allclose(beta_geo.expected_purchases(52, frequency, recency, age), oracle_purchases, rtol=1e-4)
    value = clv.lifetime_value(beta_geo, gamma_gamma, frequency, recency, age, spend, periods=12,
                               period_length=WEEKS_PER_MONTH, discount_per_period=0.01)
    np.testing.assert_allclose(value, oracle_value, rtol=1e-3)


def test_too_little_history_is_refused_with_the_reason():
    with pytest.raises(clv.TooLittleHistory, match="repeat buyers"):
        clv.fit_beta_geo([0] * 50, [0] * 50, [10] * 50)
    with pytest.raises(clv.TooLittleHistory, match="at least 20"):
        clv.fit_beta_geo([1, 2], [3, 4], [5, 6])
    with pytest.raises(clv.TooLittleHistory, match="repeat buyers with a spend"):
        clv.fit_gamma_gamma([1, 0, 2], [10.0, 0.0, 5.0])
