"""Cross-sell rules: counted by hand on eight baskets, checked against mlxtend's fpgrowth and
association_rules on a few thousand, and next-best offers checked against a plain loop."""

import warnings

import numpy as np
import pytest

from guanxi.analytics import rules
from guanxi.analytics.rules import most_correlated_pairs, next_best_offer, pair_rules

WARRANTY, MAINTENANCE, MATS, INSURANCE = range(4)
NAMES = ("extended warranty", "maintenance package", "floor mats", "GAP insurance")
# basket: items; ids are neither dense nor in order, and basket 70 holds the mats twice
BASKETS = {
    10: [WARRANTY, MAINTENANCE, WARRANTY],
    20: [WARRANTY, MAINTENANCE],
    30: [WARRANTY, MAINTENANCE, MATS],
    5: [WARRANTY],
    50: [MAINTENANCE, MATS],
    60: [MATS, INSURANCE],
    40: [MATS, INSURANCE],
    70: [MATS, MATS],
}


def lines(baskets):
    pairs = [(basket, item) for basket, items in baskets.items() for item in items]
    order = np.random.default_rng(0).permutation(len(pairs))  # the lines come in any order
    return np.array([pairs[i][0] for i in order]), np.array([pairs[i][1] for i in order])


def as_table(found):
    return [
        (int(a), int(c), int(n), round(float(s), 12), round(float(conf), 12), round(float(lift), 12))
        for a, c, n, s, conf, lift in zip(
            found.antecedent, found.consequent, found.count, found.support, found.confidence, found.lift
        )
    ]


@pytest.fixture(scope="module")
def hand_rules():
    return pair_rules(*lines(BASKETS), min_support=0.25, item_names=NAMES)


# ---------------------------------------------------------------- counted by hand


def test_eight_baskets_give_the_rules_counted_by_hand(hand_rules):
    # shares of the 8 baskets: warranty 4, maintenance 4, mats 5, insurance 2 (exactly min_support: kept);
    # warranty + mats meet once (0.125 < 0.25: no rule), maintenance and insurance never
    assert hand_rules.basket_count == 8
    assert as_table(hand_rules) == [
        (MATS, INSURANCE, 2, 0.25, 0.4, 1.6),  # sorted by lift, then support, then antecedent
        (INSURANCE, MATS, 2, 0.25, 1.0, 1.6),
        (WARRANTY, MAINTENANCE, 3, 0.375, 0.75, 1.5),
        (MAINTENANCE, WARRANTY, 3, 0.375, 0.75, 1.5),
        (MAINTENANCE, MATS, 2, 0.25, 0.5, 0.8),
        (MATS, MAINTENANCE, 2, 0.25, 0.4, 0.8),
    ]
    assert list(hand_rules.consequent_support) == [0.25, 0.625, 0.5, 0.5, 0.625, 0.5]
    assert list(hand_rules.names(hand_rules.antecedent[:2])) == ["floor mats", "GAP insurance"]


def test_confidence_and_lift_thresholds_drop_weaker_rules(hand_rules):
    confident = pair_rules(*lines(BASKETS), min_support=0.25, min_confidence=0.5)
    assert {(a, c) for a, c, *_ in as_table(confident)} == {
        (INSURANCE, MATS),
        (WARRANTY, MAINTENANCE),
        (MAINTENANCE, WARRANTY),
        (MAINTENANCE, MATS),
    }
    lifting = pair_rules(*lines(BASKETS), min_support=0.25, min_lift=1.0)
    assert as_table(lifting) == as_table(hand_rules)[:4]
    assert len(pair_rules(*lines(BASKETS), min_support=0.5)) == 0  # single items reach it, no pair does


def test_the_two_most_correlated_products(hand_rules):
    # phi: warranty & maintenance 0.125 / 0.25 = 0.5; mats & insurance 0.09375 / 0.2096 = 0.447
    pairs = most_correlated_pairs(hand_rules)
    assert list(zip(pairs.antecedent, pairs.consequent)) == [(WARRANTY, MAINTENANCE), (INSURANCE, MATS)]
    assert pairs.correlation == pytest.approx([0.5, 0.09375 / np.sqrt(0.625 * 0.375 * 0.25 * 0.75)])
    by_lift = most_correlated_pairs(hand_rules, top=3, by="lift")
    # each pair once, in its more confident direction
    assert list(zip(by_lift.antecedent, by_lift.consequent)) == [
        (INSURANCE, MATS),
        (WARRANTY, MAINTENANCE),
        (MAINTENANCE, MATS),
    ]


def test_a_product_in_every_basket_correlates_with_nothing():
    found = pair_rules([1, 1, 2, 2, 3], [0, 1, 0, 1, 0], min_support=0.1)
    assert list(found.correlation) == [0.0, 0.0]


# ---------------------------------------------------------------- next-best offer


def test_next_best_offer_explains_each_offer_by_its_rule(hand_rules):
    customer = [7, 8, 9, 9, 4, 4, 4, 4, 3, 3, 6]
    owns = [WARRANTY, MATS, MAINTENANCE, INSURANCE, WARRANTY, MAINTENANCE, MATS, INSURANCE, WARRANTY, MAINTENANCE, 9]
    offers = next_best_offer(hand_rules, customer, owns, top=2)
    got = [
        (int(c), int(r), int(i), int(b), float(conf), float(lift))
        for c, r, i, b, conf, lift in zip(
            offers.customer, offers.rank, offers.item, offers.because_of, offers.confidence, offers.lift
        )
    ]
    # 4 owns everything, 6 owns only a product no rule knows; 3 owns warranty and maintenance, so only
    # maintenance -> mats is left; 8's two rules from mats tie on confidence (0.4) and lift decides
    assert got == [
        (3, 1, MATS, MAINTENANCE, 0.5, 0.8),
        (7, 1, MAINTENANCE, WARRANTY, 0.75, 1.5),
        (8, 1, INSURANCE, MATS, 0.4, 1.6),
        (8, 2, MAINTENANCE, MATS, 0.4, 0.8),
        (9, 1, MATS, INSURANCE, 1.0, 1.6),
        (9, 2, WARRANTY, MAINTENANCE, 0.75, 1.5),
    ]
    assert [hand_rules.antecedent[r] for r in offers.rule] == list(offers.because_of)


def random_baskets(seed, baskets=3000, products=40):
    """Skewed popularity (Zipf-like), duplicates within baskets, and one planted pair (0 -> 1)."""
    rng = np.random.default_rng(seed)
    sizes = rng.poisson(2.5, baskets) + 1
    basket = np.repeat(rng.permutation(baskets * 3)[:baskets], sizes)
    popularity = 1.0 / np.arange(1, products + 1)
    item = rng.choice(products, size=len(basket), p=popularity / popularity.sum())
    holds_first = basket[(item == 0)]
    planted = holds_first[rng.random(len(holds_first)) < 0.6]
    return np.concatenate([basket, planted]), np.concatenate([item, np.ones(len(planted), dtype=item.dtype)])


def best_offers_by_loop(found, owned_by_customer, top, by):
    """What next_best_offer must give, one customer and one rule at a time."""
    other = "lift" if by == "confidence" else "confidence"
    expected = []
    for customer, owned in sorted(owned_by_customer.items()):
        best = {}
        for i in range(len(found)):
            a, c = int(found.antecedent[i]), int(found.consequent[i])
            if a in owned and c not in owned:
                score = (getattr(found, by)[i], getattr(found, other)[i], found.support[i], -a, -c)
                if c not in best or score > best[c][0]:
                    best[c] = (score, i)
        ranked = sorted(best.items(), key=lambda kv: kv[1][0], reverse=True)[:top]
        expected += [(customer, rank + 1, c, i) for rank, (c, (_, i)) in enumerate(ranked)]
    return expected


@pytest.mark.parametrize(("top", "by"), [(1, "confidence"), (3, "confidence"), (2, "lift")])
def test_next_best_offer_picks_what_a_loop_over_customers_picks(top, by, monkeypatch):
    found = pair_rules(*random_baskets(1), min_support=0.005)
    rng = np.random.default_rng(2)
    owned_by_customer = {int(c): set(rng.choice(40, rng.integers(1, 6)).tolist()) for c in rng.permutation(900)[:400]}
    customer = np.array([c for c, items in owned_by_customer.items() for _ in items])
    owns = np.array([i for items in owned_by_customer.values() for i in items])
    monkeypatch.setattr(rules, "OFFERS_PER_CHUNK", 50)  # many chunks, customers never split across two
    offers = next_best_offer(found, customer, owns, top=top, by=by)
    assert list(zip(offers.customer.tolist(), offers.rank.tolist(), offers.item.tolist(), offers.rule.tolist())) == (
        best_offers_by_loop(found, owned_by_customer, top, by)
    )
    owned_keys = {(c, i) for c, items in owned_by_customer.items() for i in items}
    assert not {(int(c), int(i)) for c, i in zip(offers.customer, offers.item)} & owned_keys
    assert len(offers) > 300


def test_correlation_finds_the_planted_pair_where_lift_crowns_a_rare_one():
    found = pair_rules(*random_baskets(3), min_support=0.004)
    rare = found.take([0])  # the rules come sorted by lift: 29 of 3,000 baskets, 1.87x
    assert rare.count[0] < 40 and (rare.antecedent[0], rare.consequent[0]) not in {(0, 1), (1, 0)}
    strongest = most_correlated_pairs(found, top=1)
    assert (strongest.antecedent[0], strongest.consequent[0]) in {(0, 1), (1, 0)}
    assert strongest.count[0] > 1000  # 1,297 baskets, only 1.33x: both products are popular


# ---------------------------------------------------------------- against mlxtend


@pytest.mark.parametrize(("min_support", "metric", "threshold"), [(0.01, "confidence", 0.0), (0.004, "lift", 1.1)])
def test_pairs_support_confidence_and_lift_agree_with_mlxtend(min_support, metric, threshold):
    pytest.importorskip("mlxtend")
    pd = pytest.importorskip("pandas")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from mlxtend.frequent_patterns import association_rules, fpgrowth

    basket, item = random_baskets(3)
    _, row = np.unique(basket, return_inverse=True)
    one_hot = np.zeros((row.max() + 1, item.max() + 1), dtype=bool)
    one_hot[row, item] = True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        itemsets = fpgrowth(pd.DataFrame(one_hot), min_support=min_support, max_len=2)
        peer = association_rules(itemsets, num_itemsets=len(one_hot), metric=metric, min_threshold=threshold)
    peer_rules = {
        (next(iter(a)), next(iter(c))): (s, conf, lift)
        for a, c, s, conf, lift in zip(peer.antecedents, peer.consequents, peer.support, peer.confidence, peer.lift)
    }

    limits = {"min_confidence": threshold} if metric == "confidence" else {"min_lift": threshold}
    ours = pair_rules(basket, item, min_support=min_support, **limits)
    assert len(ours) > 100
    assert set(zip(ours.antecedent.tolist(), ours.consequent.tolist())) == set(peer_rules)
    for a, c, s, conf, lift in zip(ours.antecedent, ours.consequent, ours.support, ours.confidence, ours.lift):
        assert (s, conf, lift) == pytest.approx(peer_rules[int(a), int(c)], rel=0, abs=1e-9)


# ---------------------------------------------------------------- other paths, same answer


def test_large_catalogues_and_huge_basket_ids_count_the_same(monkeypatch):
    basket, item = random_baskets(4)
    expected = as_table(pair_rules(basket, item, min_support=0.003))
    assert as_table(pair_rules(basket + (1 << 62), item, min_support=0.003)) == expected  # ranked first
    assert as_table(pair_rules(basket.astype(np.uint32), item.astype(np.int16), min_support=0.003)) == expected
    monkeypatch.setattr(rules, "DENSE_PAIR_BINS", 0)  # pairs counted by sorting instead of a histogram
    assert as_table(pair_rules(basket, item, min_support=0.003)) == expected


def test_empty_input_gives_no_rules_and_no_offers(hand_rules):
    found = pair_rules([], [], min_support=0.1)
    assert len(found) == 0 and found.basket_count == 0
    assert len(most_correlated_pairs(found)) == 0
    assert len(next_best_offer(found, [1], [0])) == 0
    assert len(next_best_offer(hand_rules, [], [])) == 0


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: pair_rules([1, 2], [0], min_support=0.1), "differ in length: 2 and 1"),
        (lambda: pair_rules([1, -2], [0, 1], min_support=0.1), "basket_ids holds negative ids"),
        (lambda: pair_rules([1, 2], [0, -1], min_support=0.1), "item_ids holds negative ids"),
        (lambda: pair_rules([1.5, 2], [0, 1], min_support=0.1), "basket_ids must hold integers, not float64"),
        (lambda: pair_rules([[1, 2]], [[0, 1]], min_support=0.1), "must be one-dimensional"),
        (lambda: pair_rules([1], [0], min_support=0), r"min_support must be in \(0, 1\], not 0"),
        (lambda: pair_rules([1], [0], min_support=1.5), r"min_support must be in \(0, 1\], not 1.5"),
        (lambda: pair_rules([1], [0], min_support=float("nan")), "min_support must be in"),
        (lambda: pair_rules([1], [0], min_support=0.1, min_confidence=2), r"min_confidence must be in \[0, 1\]"),
        (lambda: pair_rules([1], [0], min_support=0.1, min_lift=-1), "min_lift must be 0 or more"),
        (lambda: pair_rules([1], [4], min_support=0.1, item_names=NAMES), "go up to 4 but item_names names only 4"),
        (lambda: pair_rules([1], [1 << 30], min_support=0.1), "catalogue positions"),
    ],
)
def test_bad_baskets_are_refused_naming_the_problem(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda r: next_best_offer(r, [1, 2], [0]), "customer_ids and item_ids differ in length"),
        (lambda r: next_best_offer(r, [-1], [0]), "customer_ids holds negative ids"),
        (lambda r: next_best_offer(r, [1], [0], top=0), "top must be a whole number of 1 or more"),
        (lambda r: next_best_offer(r, [1], [0], by="support"), "by must be one of confidence, lift"),
        (lambda r: most_correlated_pairs(r, top=1.5), "top must be a whole number"),
        (lambda r: most_correlated_pairs(r, by="confidence"), "by must be one of correlation, lift"),
    ],
)
def test_bad_offer_requests_are_refused_naming_the_problem(hand_rules, call, message):
    with pytest.raises(ValueError, match=message):
        call(hand_rules)
