"""The simulator drives the real engine; on the Erlang assumptions it must agree with the formulas."""

import math
import statistics

import pytest

from guanxi.contact_center import erlang
from guanxi.contact_center.policies import SLA_AWARE
from guanxi.contact_center.routing import RoutingPolicy
from guanxi.contact_center.simulator import Arrival, Scenario, percentile, simulate

AHT = 180.0
LONG_RUN = [100] * 100  # 3,000 minutes of 100 calls per 30 min: about 10,000 contacts
FIFO = RoutingPolicy.from_dict(
    {"tier_priority": {"vip": 0, "standard": 0}, "aging_weight": 1, "fallback": {"action": "voicemail"}}, [])
VIP_FIRST = RoutingPolicy.from_dict(
    {"tier_priority": {"vip": 300, "standard": 0}, "aging_weight": 1, "fallback": {"action": "voicemail"}}, [])


def mean_over_seeds(scenario, policy, measure, seeds=(1, 2, 3)):
    return statistics.fmean(measure(simulate(scenario, policy, seed)) for seed in seeds)


def test_same_seed_same_result_other_seed_other_result():
    scenario = Scenario([100] * 4, 1800, AHT, 14, {"vip": 0.2, "standard": 0.8}, patience_seconds=300)
    first, again, other = (simulate(scenario, VIP_FIRST, seed) for seed in (5, 5, 6))
    assert first == again
    assert first.overall.offered != other.overall.offered


# Tolerances: 3 seeds x ~10,000 contacts give a standard error near 0.006 on SL20; we allow 0.025.
def test_fifo_matches_erlang_c():
    scenario = Scenario(LONG_RUN, 1800, AHT, 14)
    assert mean_over_seeds(scenario, FIFO, lambda r: r.overall.service_level) == pytest.approx(
        erlang.service_level(14, 10.0, AHT, 20), abs=0.025)
    assert mean_over_seeds(scenario, FIFO, lambda r: r.occupancy) == pytest.approx(10 / 14, abs=0.02)


def test_abandonment_matches_erlang_a():
    scenario = Scenario(LONG_RUN, 1800, AHT, 13, patience_seconds=300)
    reference = erlang.erlang_a(13, 10.0, AHT, 300, 20)
    assert mean_over_seeds(scenario, FIFO, lambda r: r.overall.abandonment) == pytest.approx(
        reference.abandonment, abs=0.01)
    assert mean_over_seeds(scenario, FIFO, lambda r: r.overall.service_level) == pytest.approx(
        reference.service_level, abs=0.025)


def test_value_routing_lifts_vip_without_sinking_the_rest():
    scenario = Scenario(LONG_RUN, 1800, AHT, 14, {"vip": 0.2, "standard": 0.8})
    fifo = [simulate(scenario, FIFO, seed) for seed in (1, 2, 3)]
    value = [simulate(scenario, VIP_FIRST, seed) for seed in (1, 2, 3)]

    def mean(runs, measure):
        return statistics.fmean(measure(r) for r in runs)

    # The 0.95 goal is checked by bench/routing.py over 10 seeds; 3 seeds only prove the direction.
    assert mean(value, lambda r: r.tiers["vip"].service_level) >= mean(
        fifo, lambda r: r.tiers["vip"].service_level) + 0.04
    assert mean(value, lambda r: r.tiers["vip"].average_speed_of_answer) < mean(
        fifo, lambda r: r.tiers["vip"].average_speed_of_answer) / 2
    assert mean(value, lambda r: r.tiers["standard"].service_level) >= mean(
        fifo, lambda r: r.tiers["standard"].service_level) - 0.01
    assert mean(value, lambda r: r.overall.service_level) >= mean(fifo, lambda r: r.overall.service_level)


def test_sla_aware_policy_answers_more_within_the_target_than_strict_priority_and_pays_in_the_tail():
    scenario = Scenario(LONG_RUN, 1800, AHT, 14, {"vip": 0.2, "standard": 0.8})
    sla_aware = RoutingPolicy.from_dict(SLA_AWARE, [])
    strict = [simulate(scenario, VIP_FIRST, seed) for seed in (1, 2, 3)]
    sla = [simulate(scenario, sla_aware, seed) for seed in (1, 2, 3)]

    def mean(runs, tier, measure):
        return statistics.fmean(measure(r.overall if tier == "overall" else r.tiers[tier]) for r in runs)

    def service_level(figures):
        return figures.service_level

    def p99(figures):
        return figures.wait_percentile(0.99)

    # The goals (overall >= 0.93, VIP >= 0.95) are checked by bench/routing.py over 10 seeds; here the direction.
    assert mean(sla, "vip", service_level) >= mean(strict, "vip", service_level) - 0.005
    assert mean(sla, "standard", service_level) >= mean(strict, "standard", service_level) + 0.02
    assert mean(sla, "overall", service_level) >= mean(strict, "overall", service_level) + 0.02
    assert mean(sla, "standard", p99) > mean(strict, "standard", p99)  # those already late wait longer


def test_each_answered_wait_is_kept_for_the_percentiles():
    result = simulate(Scenario([100] * 4, 1800, AHT, 14, {"vip": 0.2, "standard": 0.8}), VIP_FIRST, seed=2)
    for figures in (*result.tiers.values(), result.overall):
        assert len(figures.waits) == figures.answered
        assert sum(figures.waits) == pytest.approx(figures.total_wait)
        assert figures.wait_percentile(1.0) == max(figures.waits)
    assert sum(len(i.waits) for i in result.intervals) == result.overall.answered
    assert [percentile([5.0, 1.0, 3.0, 2.0], q) for q in (0.25, 0.5, 0.51, 1.0)] == [1.0, 2.0, 3.0, 5.0]
    assert math.isnan(percentile([], 0.95))
    with pytest.raises(ValueError, match="share"):
        percentile([1.0], 95)


def test_arrival_rate_follows_the_intervals():
    result = simulate(Scenario([0, 200, 0], 1800, AHT, 20), FIFO, seed=1)
    assert 150 < result.overall.offered < 250


@pytest.mark.parametrize(("change", "field"), [
    ({"aht_seconds": -180}, "aht_seconds"),
    ({"agents": 0}, "agents"),
    ({"patience_seconds": 0}, "patience_seconds"),
    ({"calls_per_interval": [-1]}, "calls_per_interval"),
    ({"tier_mix": {"vip": 0}}, "tier_mix"),
])
def test_bad_scenario_names_the_field(change, field):
    arguments = {"calls_per_interval": [100], "interval_seconds": 1800, "aht_seconds": AHT, "agents": 14}
    arguments.update(change)
    with pytest.raises(ValueError, match=field):
        Scenario(**arguments)


def test_a_thin_interval_of_the_schedule_gets_the_worst_service_level():
    """Two-hour intervals of 400 calls (10 Erlang): 9 agents in the second, 14 in the others."""
    schedule = [14, 9, 14, 14]
    for seed in (1, 2, 3):
        result = simulate(Scenario([400] * 4, 7200, AHT, schedule, {"vip": 0.2, "standard": 0.8}), VIP_FIRST, seed)
        levels = [interval.service_level for interval in result.intervals]
        assert levels[1] < min(levels[0], levels[2], levels[3]) - 0.1, levels
        assert sum(i.offered for i in result.intervals) == result.overall.offered


def test_occupancy_is_measured_against_the_scheduled_agent_time():
    scenario = Scenario([400] * 4, 7200, AHT, [14, 9, 14, 14])
    result = simulate(scenario, FIFO, seed=1)
    assert result.scheduled_seconds == (14 + 9 + 14 + 14) * 7200
    assert result.occupancy == result.busy_seconds / result.scheduled_seconds
    offered_work = mean_over_seeds(scenario, FIFO, lambda r: r.overall.offered * AHT / r.scheduled_seconds)
    assert mean_over_seeds(scenario, FIFO, lambda r: r.occupancy) == pytest.approx(offered_work, abs=0.03)
    flat = mean_over_seeds(Scenario([400] * 4, 7200, AHT, 14), FIFO, lambda r: r.occupancy)
    assert mean_over_seeds(scenario, FIFO, lambda r: r.occupancy) > flat + 0.03  # same work, fewer paid hours


def test_an_agent_going_off_duty_finishes_the_call_in_hand_and_takes_no_new_one():
    """Minute intervals, 2 agents then 1. agent0001 is on a 100 s call when its shift ends at 60 s; free at
    101 s, it must leave the call arriving at 70 s to agent0000, free only at 200 s."""
    arrivals = [Arrival(0, handle_seconds=200), Arrival(1, handle_seconds=100), Arrival(70, handle_seconds=10)]
    result = simulate(Scenario.replay(arrivals, 60, AHT, [2, 1, 1]), FIFO, seed=1)
    first, second, third = result.intervals
    assert (first.answered, first.answered_at_once, first.total_wait) == (2, 2, 0.0)
    assert (second.answered, second.total_wait) == (1, 130.0)
    assert third.offered == 0
    assert result.scheduled_seconds == 4 * 60
    assert result.overtime_seconds == 41.0  # 60 s to 101 s: the call finished off duty
    assert result.busy_seconds == 180 + 59  # agent0000 0-180 (end of the run), agent0001 1-60
    assert result.occupancy < 1


def test_an_agent_coming_back_on_duty_takes_the_waiting_contacts():
    arrivals = [Arrival(30, handle_seconds=5), Arrival(70, handle_seconds=5)]
    result = simulate(Scenario.replay(arrivals, 60, AHT, [0, 0, 1]), FIFO, seed=1)
    # nobody before 120 s; then one agent: the first at once, the second after the first's 5 s call
    assert [i.total_wait for i in result.intervals] == [90.0, 55.0, 0.0]


def test_replayed_arrivals_are_exactly_the_contacts_offered():
    arrivals = [Arrival(float(t), "vip" if t % 7 == 0 else "standard") for t in range(0, 3600, 13)]
    scenario = Scenario.replay(arrivals, 1800, AHT, 3, patience_seconds=120)
    result = simulate(scenario, VIP_FIRST, seed=4)
    assert {tier: r.offered for tier, r in result.tiers.items()} == {
        "vip": sum(a.tier == "vip" for a in arrivals), "standard": sum(a.tier == "standard" for a in arrivals)}
    assert [i.offered for i in result.intervals] == [139, 138]
    assert result == simulate(scenario, VIP_FIRST, seed=4)
    assert result.overall.abandoned > 0  # 3 agents for 10 Erlang: patience still drawn


@pytest.mark.parametrize(("change", "message"), [
    ({"agents": [14, 14]}, "one per interval"),
    ({"agents": [0, 0, 0]}, "at least one interval"),
    ({"agents": [14, -1, 14]}, ">= 0"),
    ({"arrivals": [Arrival(5400)]}, "outside the run"),
    ({"arrivals": [Arrival(5, "gold")]}, "tier 'gold'"),
    ({"arrivals": [Arrival(5, handle_seconds=0)]}, "handle_seconds"),
])
def test_bad_schedule_or_arrivals_are_refused(change, message):
    arguments = {"calls_per_interval": [100] * 3, "interval_seconds": 1800, "aht_seconds": AHT, "agents": 14}
    arguments.update(change)
    with pytest.raises(ValueError, match=message):
        Scenario(**arguments)
