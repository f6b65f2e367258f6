"""The dealer a lead goes to, on plain data (sales.distribution has no Django)."""

import pytest

from guanxi.sales.distribution import DealerLoad, LeadFacts, Rule, choose_dealer

SHANGHAI = [Rule(1, 10, province="上海", city="上海"), Rule(2, 10, province="上海", city="上海"),
            Rule(3, 50, province="上海"), Rule(9, 100)]


def codes(choice):
    return [code for code, _value in choice.reasons]


def test_the_best_priority_matching_rule_wins_over_catch_alls():
    choice = choose_dealer(LeadFacts("上海", "上海", "帕萨特"), SHANGHAI, {})
    assert choice.dealer_id in (1, 2) and codes(choice)[0] == "rule"
    assert choose_dealer(LeadFacts("上海", "苏州"), SHANGHAI, {}).dealer_id == 3
    assert choose_dealer(LeadFacts("广东", "广州"), SHANGHAI, {}).dealer_id == 9


def test_among_equals_the_dealer_served_longest_ago_is_next():
    loads = {1: DealerLoad(1, last_assigned=200.0), 2: DealerLoad(2, last_assigned=100.0)}
    choice = choose_dealer(LeadFacts("上海", "上海"), SHANGHAI, loads)
    assert choice.dealer_id == 2 and "round_robin" in codes(choice)


def test_a_better_follow_up_record_beats_turn_but_near_equals_are_equal():
    better = {1: DealerLoad(1, performance=0.95, last_assigned=200.0), 2: DealerLoad(2, performance=0.55)}
    assert choose_dealer(LeadFacts("上海", "上海"), SHANGHAI, better).dealer_id == 1
    near = {1: DealerLoad(1, performance=0.93, last_assigned=100.0), 2: DealerLoad(2, performance=0.97,
                                                                                   last_assigned=200.0)}
    choice = choose_dealer(LeadFacts("上海", "上海"), SHANGHAI, near)
    assert choice.dealer_id == 1 and "round_robin" in codes(choice)  # 93% and 97%: equals, so it is 1's turn


def test_a_full_dealer_is_passed_over_until_every_matching_dealer_is_full():
    loads = {1: DealerLoad(1, waiting=30, capacity=30), 2: DealerLoad(2, waiting=5, capacity=30, last_assigned=9e9)}
    assert choose_dealer(LeadFacts("上海", "上海"), SHANGHAI, loads).dealer_id == 2
    full = {1: DealerLoad(1, waiting=30, capacity=30), 2: DealerLoad(2, waiting=31, capacity=30, last_assigned=1.0)}
    choice = choose_dealer(LeadFacts("上海", "上海"), SHANGHAI, full)
    assert choice.dealer_id == 1 and "all_full" in codes(choice)


def test_a_repurchase_goes_back_to_the_previous_dealer_while_it_has_room():
    lead = LeadFacts("上海", "上海", previous_dealer_id=7)
    assert choose_dealer(lead, SHANGHAI, {7: DealerLoad(7)}).reasons == (("previous_dealer", None),)
    assert choose_dealer(lead, SHANGHAI, {7: DealerLoad(7, waiting=3, capacity=3)}).dealer_id in (1, 2)


def test_dealers_tried_already_are_skipped_and_none_left_means_head_office():
    assert choose_dealer(LeadFacts("上海", "上海"), SHANGHAI, {}, frozenset({1})).dealer_id == 2
    assert choose_dealer(LeadFacts("上海", "上海"), SHANGHAI, {}, frozenset({1, 2})).dealer_id == 3
    choice = choose_dealer(LeadFacts("上海", "上海"), SHANGHAI[:2], {}, frozenset({1, 2}))
    assert choice.dealer_id is None and codes(choice) == ["no_rule"]


@pytest.mark.parametrize(("rule", "lead", "matches"), [
    (Rule(1, model="Passat"), LeadFacts(model="帕萨特 Passat 330TSI"), True),
    (Rule(1, model="passat"), LeadFacts(model="Tiguan L"), False),
    (Rule(1, timeframe="hot"), LeadFacts(timeframe="long"), False),
    (Rule(1, province="上海", city="上海"), LeadFacts(province="上海", city=""), False),
])
def test_a_rule_matches_when_every_field_it_names_matches(rule, lead, matches):
    assert rule.matches(lead) is matches
