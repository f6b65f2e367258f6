"""The quantified evaluation's arithmetic on numbers worked by hand (analytics.evaluation)."""

import numpy as np
import pytest

from guanxi.analytics import evaluation


def test_a_rank_is_the_share_of_customers_below_ties_sharing_the_lowest_place():
    assert evaluation.rank_score([0, 0, 0, 5, 2]).tolist() == [0, 0, 0, 100, 75]
    assert evaluation.rank_score([7.5]).tolist() == [0]  # one customer is better than nobody
    assert evaluation.rank_score([3, 1, 2]).tolist() == [100, 0, 50]


def test_loyalty_is_half_repurchase_half_service_kept():
    # one car and no visit; one car, one visit in two years; a second car and two visits; a third car, five visits
    assert evaluation.loyalty([1, 1, 2, 3], [0, 1, 2, 5]).tolist() == [0, 0.25, 1, 1]


def test_influence_counts_three_club_events_in_two_years_as_one_referral():
    # nothing; two events; one referral; three events; a referral and four events
    assert evaluation.influence([0, 0, 1, 0, 1], [0, 2, 0, 3, 4]).tolist() == pytest.approx([0, 2 / 3, 1, 1, 7 / 3])
    assert evaluation.rank_score(evaluation.influence([0, 0, 1, 0, 1], [0, 2, 0, 3, 4])).tolist() == [
        0, 25, 50, 50, 100]


def test_the_overall_score_is_the_weighted_mean_of_the_four_ranks():
    graded = evaluation.evaluate(profit=[100, 300, 200], potential=[50, 10, 30], sale_days=[1, 1, 2],
                                 service_days_2y=[0, 2, 2], referrals=[0, 0, 3], club_events_2y=[0, 0, 0],
                                 weights={"profit": 2, "loyalty": 1, "potential": 1})
    assert graded.dimensions["profit"].tolist() == [0, 100, 50]
    assert graded.dimensions["potential"].tolist() == [100, 0, 50]
    assert graded.dimensions["loyalty"].tolist() == [0, 50, 100]  # 0, 0.5 and 1 before ranking
    assert graded.dimensions["influence"].tolist() == [0, 0, 100]  # counted, weighted 0
    np.testing.assert_allclose(graded.overall, [25, 62.5, 62.5])


@pytest.mark.parametrize("weights, complaint", [
    ({"profit": 1, "charm": 1}, "unknown evaluation dimensions ['charm']"),
    ({"profit": -1, "loyalty": 2}, "at least 0"),
    ({"profit": 0}, "not all 0"),
    ({"profit": float("nan")}, "at least 0"),
])
def test_weights_that_cannot_be_used_are_refused_with_the_reason(weights, complaint):
    with pytest.raises(ValueError, match=complaint.replace("[", r"\[").replace("]", r"\]")):
        evaluation.checked_weights(weights)


def test_the_grade_is_the_quarter_of_the_scale_the_overall_score_falls_in():
    assert evaluation.grades([100, 75, 74.9, 50, 49.9, 25, 24.9, 0]).tolist() == ["a", "a", "b", "b", "c", "c", "d",
                                                                                 "d"]
