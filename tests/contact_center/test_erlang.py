"""Erlang C / A against the published reference case: 100 calls per 30 min, AHT 180 s, target 20 s."""

import pytest

from guanxi.contact_center import erlang

AHT = 180.0
TARGET = 20.0
TRAFFIC = erlang.offered_traffic(calls=100, interval_seconds=1800, aht_seconds=AHT)


def test_reference_traffic_is_ten_erlang():
    assert TRAFFIC == pytest.approx(10.0)


def test_erlang_c_fourteen_agents_matches_reference():
    assert round(erlang.service_level(14, TRAFFIC, AHT, TARGET), 3) == 0.888
    assert round(erlang.erlang_c(14, TRAFFIC), 3) == 0.174
    assert round(erlang.occupancy(14, TRAFFIC), 3) == 0.714


def test_erlang_c_thirteen_agents_matches_reference():
    assert round(erlang.service_level(13, TRAFFIC, AHT, TARGET), 3) == 0.796


def test_average_speed_of_answer_is_p_wait_times_mean_excess_wait():
    # 0.174 of callers wait, on average AHT / (n - A) = 45 s each.
    assert erlang.average_speed_of_answer(14, TRAFFIC, AHT) == pytest.approx(0.17413 * 45, abs=1e-3)


def test_erlang_b_recursion_is_stable_for_thousands_of_agents():
    # A**n / n! would overflow a float long before this.
    assert 0.0 < erlang.erlang_c(5000, 4900.0) < 1.0


def test_agents_needed_for_eighty_percent_in_twenty_seconds():
    staffing = erlang.agents_needed(TRAFFIC, AHT, TARGET, target_service_level=0.80)
    assert staffing.agents == 14  # 13 agents give 0.796, just short
    assert staffing.scheduled_agents == 14


def test_agents_needed_respects_max_occupancy_and_shrinkage():
    staffing = erlang.agents_needed(TRAFFIC, AHT, TARGET, 0.80, max_occupancy=0.65, shrinkage=0.30)
    assert staffing.agents == 16  # 10 / 16 = 0.625 <= 0.65; 15 agents would be 0.667
    assert staffing.occupancy <= 0.65
    assert staffing.scheduled_agents == 23  # 16 / 0.7 = 22.9


# Tolerance for Erlang A: 1e-3 around the published figures (they are quoted to 3 decimals);
# our birth-death computation itself is exact to about 1e-12.
def test_erlang_a_thirteen_agents_five_minute_patience_matches_reference():
    result = erlang.erlang_a(13, TRAFFIC, AHT, patience_seconds=300, target_seconds=TARGET)
    assert result.service_level == pytest.approx(0.858, abs=1e-3)
    assert result.abandonment == pytest.approx(0.025, abs=1e-3)


def test_erlang_a_with_endless_patience_is_erlang_c():
    result = erlang.erlang_a(13, TRAFFIC, AHT, patience_seconds=1e9, target_seconds=TARGET)
    assert result.service_level == pytest.approx(erlang.service_level(13, TRAFFIC, AHT, TARGET), abs=1e-6)
    assert result.p_wait == pytest.approx(erlang.erlang_c(13, TRAFFIC), abs=1e-6)


def test_erlang_a_everyone_not_abandoning_is_answered_eventually():
    # Two independent routes to the same number: waiting-time chain vs Little's law.
    result = erlang.erlang_a(13, TRAFFIC, AHT, patience_seconds=300, target_seconds=1e4)
    assert result.service_level == pytest.approx(1.0 - result.abandonment, abs=1e-9)


def test_erlang_a_handles_overload_where_erlang_c_refuses():
    result = erlang.erlang_a(8, TRAFFIC, AHT, patience_seconds=120, target_seconds=TARGET)
    assert result.abandonment > 0.2
    assert result.occupancy < 1.0
    with pytest.raises(ValueError, match="no steady state"):
        erlang.erlang_c(8, TRAFFIC)


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: erlang.offered_traffic(100, 1800, -180), "aht_seconds"),
        (lambda: erlang.service_level(14, TRAFFIC, -1, TARGET), "aht_seconds"),
        (lambda: erlang.erlang_c(0, TRAFFIC), "agents"),
        (lambda: erlang.erlang_c(10, TRAFFIC), "traffic"),
        (lambda: erlang.agents_needed(TRAFFIC, AHT, TARGET, 0.8, max_occupancy=1.2), "max_occupancy"),
        (lambda: erlang.agents_needed(TRAFFIC, AHT, TARGET, 0.8, shrinkage=1.0), "shrinkage"),
        (lambda: erlang.agents_needed(-1, AHT, TARGET, 0.8), "traffic"),
        (lambda: erlang.erlang_a(13, TRAFFIC, AHT, patience_seconds=0, target_seconds=TARGET), "patience_seconds"),
    ],
)
def test_bad_input_names_the_field(call, field):
    with pytest.raises(ValueError, match=field):
        call()
