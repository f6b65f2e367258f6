"""Cross-sell association rules between single products (plain module: numpy only, no Django).

What a dealer sells beside the car (accessories, service packages, insurance, finance) is a few
hundred products, and a cross-sell rule worth acting on links one product to one other: "bought the
extended warranty; 64% of those also took the maintenance package, 3.1x the usual rate". So the rules
here are the pairs only, for every ordered pair (antecedent -> consequent) of frequent products:

* support: share of baskets holding both;
* confidence: share of the antecedent's baskets that also hold the consequent;
* lift: confidence over the consequent's own share of baskets (1 = no more often than usual).

Baskets arrive as the lines a warehouse query gives: two integer arrays of equal length, basket id and
item id, one line per item bought; an item twice in a basket counts once. Item ids are positions in the
catalogue (0..n-1), the same positions as `item_names`.

Why not a general frequent-itemset miner (mlxtend's fpgrowth, as the issue measured): with pairs only,
the whole answer is the co-occurrence counts of frequent items, which one sort of the lines and a
histogram of the pairs inside each basket give directly. On 10M lines bench/rules.py measured 1.1-1.3 s
of CPU against mlxtend's 56 s, with the same rules and under half its memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

# Item ids index a catalogue; far larger ids mean database keys were passed where positions belong,
# and the per-item tables (sized by the largest id) would eat the memory.
MAX_ITEMS = 1 << 24
# Pairs of frequent items are counted in a dense (items x items) histogram while it stays this small
# (128 MB of int64); past it, by sorting the pairs.
DENSE_PAIR_BINS = 1 << 24
# Candidate offers held at once by next_best_offer: bounds its memory for any number of customers.
OFFERS_PER_CHUNK = 1 << 21

RULE_ORDERS = ("confidence", "lift")
PAIR_ORDERS = ("correlation", "lift")


@dataclass(frozen=True)
class Rules:
    """Ordered pair rules as parallel arrays, strongest first (by lift, then support)."""

    antecedent: np.ndarray  # item ids
    consequent: np.ndarray
    count: np.ndarray  # baskets holding both
    support: np.ndarray
    confidence: np.ndarray
    lift: np.ndarray
    antecedent_support: np.ndarray
    consequent_support: np.ndarray  # "the usual rate" that lift compares against
    basket_count: int
    item_count: int
    item_names: tuple[str, ...] | None = None

    def __len__(self) -> int:
        return len(self.antecedent)

    @property
    def correlation(self) -> np.ndarray:
        """Pearson's correlation (phi) of the two products' presence in a basket.

        Unlike lift it weighs how much of each product's sales the pair explains, so two rare products
        that met in a handful of baskets by chance do not outrank a strong pair of popular ones. A
        product in every basket correlates with nothing (0, not a division by zero).
        """
        a, c, both = self.antecedent_support, self.consequent_support, self.support
        spread = np.sqrt(a * (1.0 - a) * c * (1.0 - c))
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(spread > 0, (both - a * c) / spread, 0.0)

    def names(self, item_ids) -> np.ndarray:
        """Names for item ids, as the catalogue gave them (the ids as text without a catalogue)."""
        ids = np.asarray(item_ids, dtype=np.int64)
        if self.item_names is None:
            return ids.astype(str)
        return np.asarray(self.item_names, dtype=object)[ids]

    def take(self, indexes) -> Rules:
        """The rules at these positions, in this order (a subset or a reordering)."""
        indexes = np.asarray(indexes, dtype=np.int64)
        return Rules(
            *(getattr(self, field)[indexes] for field in _RULE_ARRAYS),
            basket_count=self.basket_count,
            item_count=self.item_count,
            item_names=self.item_names,
        )


_RULE_ARRAYS = (
    "antecedent",
    "consequent",
    "count",
    "support",
    "confidence",
    "lift",
    "antecedent_support",
    "consequent_support",
)


@dataclass(frozen=True)
class Offers:
    """Next-best offers, one row per (customer, rank), sorted by customer then rank.

    Each offer carries the rule that explains it, so a page can say "bought {because_of}; {confidence}
    of those also bought {item}, {lift}x the usual rate" in its own language.
    """

    customer: np.ndarray  # customer ids as given
    rank: np.ndarray  # 1 = the best offer for that customer
    item: np.ndarray  # the product to offer
    because_of: np.ndarray  # the owned product whose rule recommends it (the rule's antecedent)
    confidence: np.ndarray
    lift: np.ndarray
    rule: np.ndarray  # index into the Rules the offers came from

    def __len__(self) -> int:
        return len(self.customer)


def pair_rules(
    basket_ids,
    item_ids,
    *,
    min_support: float,
    min_confidence: float = 0.0,
    min_lift: float = 0.0,
    item_names: Sequence[str] | None = None,
) -> Rules:
    """Rules A -> B for every ordered pair of items whose baskets together reach `min_support`.

    A pair can only reach min_support if each of its items does (the Apriori property), so lines of
    rarer items are dropped before pairs are counted; on a skewed catalogue that is most of the pairs.
    The thresholds compare as mlxtend's do (support >= min_support), so both find the same rules.
    """
    baskets = _ids("basket_ids", basket_ids)
    items = _ids("item_ids", item_ids)
    if len(baskets) != len(items):
        raise ValueError(f"basket_ids and item_ids differ in length: {len(baskets)} and {len(items)}")
    _check_share("min_support", min_support, allow_zero=False)
    _check_share("min_confidence", min_confidence, allow_zero=True)
    if not min_lift >= 0:
        raise ValueError(f"min_lift must be 0 or more, not {min_lift}")
    item_count = _item_count(items, item_names)
    names = tuple(item_names) if item_names is not None else None
    if not len(items):
        return _no_rules(item_count, names)

    baskets, items = _distinct_lines(baskets, items, item_count)
    basket_count = 1 + int(np.count_nonzero(baskets[1:] != baskets[:-1]))
    item_baskets = np.bincount(items, minlength=item_count)
    frequent = np.flatnonzero(item_baskets / basket_count >= min_support)
    position = np.full(item_count, -1, dtype=np.int64)
    position[frequent] = np.arange(len(frequent))
    kept = position[items] >= 0
    first, second, both = _pair_counts(baskets[kept], position[items[kept]], len(frequent))
    strong = both / basket_count >= min_support
    first, second, both = frequent[first[strong]], frequent[second[strong]], both[strong]

    antecedent = np.concatenate([first, second])
    consequent = np.concatenate([second, first])
    count = np.concatenate([both, both])
    support = count / basket_count
    antecedent_support = item_baskets[antecedent] / basket_count
    consequent_support = item_baskets[consequent] / basket_count
    confidence = support / antecedent_support
    lift = confidence / consequent_support
    keep = (confidence >= min_confidence) & (lift >= min_lift)
    order = np.lexsort((consequent[keep], antecedent[keep], -support[keep], -lift[keep]))
    return Rules(
        *(column[keep][order] for column in (antecedent, consequent, count, support, confidence, lift)),
        antecedent_support=antecedent_support[keep][order],
        consequent_support=consequent_support[keep][order],
        basket_count=basket_count,
        item_count=item_count,
        item_names=names,
    )


def most_correlated_pairs(rules: Rules, top: int = 2, *, by: str = "correlation") -> Rules:
    """The `top` most strongly linked pairs of products, each pair once.

    Each pair is given in the direction with the higher confidence, the one that reads better as a
    sentence. `by="correlation"` (phi) is the default because lift alone crowns rare pairs; `by="lift"`
    ranks as the rules are sorted.
    """
    _check_top(top)
    if by not in PAIR_ORDERS:
        raise ValueError(f"by must be one of {', '.join(PAIR_ORDERS)}, not {by!r}")
    if not len(rules):
        return rules
    low = np.minimum(rules.antecedent, rules.consequent)
    high = np.maximum(rules.antecedent, rules.consequent)
    grouped = np.lexsort((rules.antecedent, -rules.confidence, high, low))
    first_of_pair = np.ones(len(grouped), dtype=bool)
    first_of_pair[1:] = (low[grouped][1:] != low[grouped][:-1]) | (high[grouped][1:] != high[grouped][:-1])
    pairs = grouped[first_of_pair]
    strength = rules.correlation[pairs] if by == "correlation" else rules.lift[pairs]
    ranked = np.lexsort((high[pairs], low[pairs], -rules.support[pairs], -rules.lift[pairs], -strength))
    return rules.take(pairs[ranked][:top])


def next_best_offer(rules: Rules, customer_ids, item_ids, *, top: int = 1, by: str = "confidence") -> Offers:
    """For each customer, the `top` products they do not own that the rules recommend most strongly.

    Ownership arrives as lines like baskets (customer id, item id). A product's score for a customer is
    that of its best rule among those whose antecedent the customer owns (by confidence, or by lift),
    and the offer names that rule. A matrix product (customers x items times items x items of rule
    scores) would sum the rules instead of taking the best, and lose which rule it was; so the candidate
    rules of each owned product are listed, owned products struck out, and the best kept per customer,
    all in whole-array steps over chunks of customers, never a loop per customer.
    """
    customers = _ids("customer_ids", customer_ids)
    items = _ids("item_ids", item_ids)
    if len(customers) != len(items):
        raise ValueError(f"customer_ids and item_ids differ in length: {len(customers)} and {len(items)}")
    _check_top(top)
    if by not in RULE_ORDERS:
        raise ValueError(f"by must be one of {', '.join(RULE_ORDERS)}, not {by!r}")
    if not len(rules) or not len(customers):
        return _no_offers()

    item_count = max(rules.item_count, int(items.max()) + 1)
    owners, owned = _distinct_lines(customers, items, item_count)
    customer_starts = np.flatnonzero(np.concatenate([[True], owners[1:] != owners[:-1]]))
    owned_per_customer = np.diff(np.append(customer_starts, len(owners)))
    customer_of_line = np.repeat(np.arange(len(customer_starts)), owned_per_customer)
    lookup = _RuleLookup.of(rules, by, item_count)
    # A customer owning m products can be offered at most `top` of an antecedent's consequents after
    # striking out the m - 1 others they own, so the antecedent's later rules cannot matter.
    candidates_of_line = np.minimum(
        np.diff(lookup.starts)[owned], top + np.repeat(owned_per_customer, owned_per_customer) - 1
    )
    ownership = _Ownership(owned, customer_of_line, customer_of_line * item_count + owned, item_count)
    running = np.cumsum(np.add.reduceat(candidates_of_line, customer_starts))

    found = []
    first = 0
    while first < len(customer_starts):
        before = running[first - 1] if first else 0
        last = max(int(np.searchsorted(running, before + OFFERS_PER_CHUNK, side="right")), first + 1)
        lines = slice(customer_starts[first], customer_starts[last] if last < len(customer_starts) else len(owners))
        found.append(_best_offers(lookup, ownership, lines, candidates_of_line[lines], top))
        first = last
    customer, rank, preference = (np.concatenate(parts) for parts in zip(*found))
    order = np.lexsort((rank, customer))
    rule = lookup.preferred[preference[order]]
    return Offers(
        customer=owners[customer_starts][customer[order]].astype(np.int64),
        rank=rank[order],
        item=rules.consequent[rule],
        because_of=rules.antecedent[rule],
        confidence=rules.confidence[rule],
        lift=rules.lift[rule],
        rule=rule,
    )


@dataclass(frozen=True)
class _RuleLookup:
    """The rules as next_best_offer reads them: each antecedent's rules together, best first."""

    consequent: np.ndarray
    preferred: np.ndarray  # rule indexes, best offer first
    rank: np.ndarray  # each rule's place in `preferred`
    by_antecedent: np.ndarray  # rule indexes by antecedent, then rank
    starts: np.ndarray  # where each item's rules begin in by_antecedent (one more entry than items)

    @classmethod
    def of(cls, rules: Rules, by: str, item_count: int) -> _RuleLookup:
        primary, secondary = (rules.confidence, rules.lift) if by == "confidence" else (rules.lift, rules.confidence)
        preferred = np.lexsort((rules.consequent, rules.antecedent, -rules.support, -secondary, -primary))
        rank = np.empty(len(rules), dtype=np.int64)
        rank[preferred] = np.arange(len(rules))
        by_antecedent = np.lexsort((rank, rules.antecedent))
        starts = np.searchsorted(rules.antecedent[by_antecedent], np.arange(item_count + 1))
        return cls(rules.consequent, preferred, rank, by_antecedent, starts)


@dataclass(frozen=True)
class _Ownership:
    """Who owns what, one line per (customer, item), sorted by customer then item."""

    item: np.ndarray
    customer: np.ndarray  # index of the customer, 0.. in id order
    key: np.ndarray  # customer * item_count + item: sorted, to look up "owns it already"
    item_count: int


def _best_offers(lookup: _RuleLookup, ownership: _Ownership, lines: slice, candidates_of_line, top: int):
    """Offers for a run of whole customers: (customer index, rank, rank of the rule)."""
    total = int(candidates_of_line.sum())
    if not total:
        return (np.zeros(0, dtype=np.int64),) * 3
    line = np.repeat(np.arange(len(candidates_of_line)), candidates_of_line)
    offset = np.arange(total) - np.repeat(np.cumsum(candidates_of_line) - candidates_of_line, candidates_of_line)
    rule = lookup.by_antecedent[lookup.starts[ownership.item[lines][line]] + offset]
    customer = ownership.customer[lines][line]
    consequent = lookup.consequent[rule]
    preference = lookup.rank[rule]
    keys = customer * ownership.item_count + consequent
    at = np.minimum(np.searchsorted(ownership.key, keys), len(ownership.key) - 1)
    struck = len(lookup.rank)  # a rank past every rule: owned, or offered already
    preference[ownership.key[at] == keys] = struck

    # Candidates are grouped by customer (lines are, and each line expands in place).
    starts = np.flatnonzero(np.concatenate([[True], customer[1:] != customer[:-1]]))
    lengths = np.diff(np.append(starts, total))
    customers, ranks, preferences = [], [], []
    for rank in range(1, top + 1):
        best = np.minimum.reduceat(preference, starts)
        offered = best < struck
        customers.append(customer[starts][offered])
        ranks.append(np.full(int(offered.sum()), rank, dtype=np.int64))
        preferences.append(best[offered])
        if rank < top:  # the next rank may not offer the same product again, through another rule
            chosen = np.full(len(starts), -1, dtype=np.int64)
            chosen[offered] = lookup.consequent[lookup.preferred[best[offered]]]
            preference[consequent == np.repeat(chosen, lengths)] = struck
    return np.concatenate(customers), np.concatenate(ranks), np.concatenate(preferences)


def _distinct_lines(row_ids: np.ndarray, item_ids: np.ndarray, item_count: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, item) lines sorted by row, then item, each pair once.

    One sort of a combined key groups the rows and finds the duplicates at once. The key is 32-bit
    where it fits, which halves the sort, the largest cost of pair_rules (0.12 s instead of 0.26 s for
    9M lines here); rows are ranked first only if their ids are too large for a 64-bit key.
    """
    row_values = None
    if int(row_ids.max()) >= np.iinfo(np.int64).max // item_count - 1:
        row_values, row_ids = _dense_ranks(row_ids)
    largest_key = (int(row_ids.max()) + 1) * item_count
    key_type = np.int32 if largest_key <= np.iinfo(np.int32).max else np.int64
    keys = row_ids.astype(key_type) * key_type(item_count) + item_ids.astype(key_type)
    keys.sort()
    distinct = np.ones(len(keys), dtype=bool)
    np.not_equal(keys[1:], keys[:-1], out=distinct[1:])
    keys = keys[distinct]
    rows = keys // key_type(item_count)
    items = keys - rows * item_count
    return (rows if row_values is None else row_values[rows]), items


def _dense_ranks(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(distinct values sorted, rank of each value among them); by sorting, as np.unique is slow here."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    new = np.ones(len(values), dtype=bool)
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    ranks = np.empty(len(values), dtype=np.int64)
    ranks[order] = np.cumsum(new) - 1
    return ordered[new], ranks


def _pair_counts(baskets: np.ndarray, items: np.ndarray, item_count: int):
    """(first, second, baskets holding both) for each pair first < second that meets at all.

    Lines are sorted by basket, then item. Baskets of one size form a matrix (slot x basket) whose
    pairs of slots give every pair of items, in whole-array steps per size; the pairs' keys then go
    into one histogram. A sparse product X.T @ X gives the same counts but took 3 s on 9M lines
    against this 0.5 s: it visits the baskets of each item in turn, jumping about memory.
    """
    starts = np.flatnonzero(np.concatenate([[True], baskets[1:] != baskets[:-1]])) if len(items) else baskets[:0]
    sizes = np.diff(np.append(starts, len(baskets)))
    small = len(sizes) and sizes.max() < 1 << 16
    by_size = np.argsort(sizes.astype(np.uint16) if small else sizes, kind="stable")  # a radix sort when small
    size_starts = np.flatnonzero(np.concatenate([[True], np.diff(sizes[by_size]) != 0])) if len(sizes) else sizes
    dense = item_count * item_count <= DENSE_PAIR_BINS
    counts = np.zeros(item_count * item_count if dense else 0, dtype=np.int64)
    sparse_keys = []
    items = items.astype(np.intp)
    for first, last in zip(size_starts, np.append(size_starts[1:], len(sizes))):
        size = int(sizes[by_size[first]])
        if size < 2:
            continue
        slots = items[starts[by_size[first:last]] + np.arange(size)[:, None]]
        keys = np.empty((size * (size - 1) // 2, last - first), dtype=np.intp)
        row = 0
        for slot in range(size - 1):
            np.add(slots[slot + 1 :], slots[slot] * item_count, out=keys[row : row + size - 1 - slot])
            row += size - 1 - slot
        if dense:
            counts += np.bincount(keys.ravel(), minlength=len(counts))
        else:
            sparse_keys.append(keys.ravel())
    if dense:
        keys = np.flatnonzero(counts)
        both = counts[keys]
    else:
        keys = np.sort(np.concatenate(sparse_keys)) if sparse_keys else np.zeros(0, dtype=np.intp)
        new = np.ones(len(keys), dtype=bool)
        np.not_equal(keys[1:], keys[:-1], out=new[1:])
        both = np.diff(np.append(np.flatnonzero(new), len(keys)))
        keys = keys[new]
    return keys // item_count, keys % item_count, both


def _ids(name: str, values) -> np.ndarray:
    ids = np.asarray(values)
    if ids.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, not of shape {ids.shape}")
    if not len(ids):
        return np.zeros(0, dtype=np.int64)
    if ids.dtype.kind not in "iu":
        raise ValueError(f"{name} must hold integers, not {ids.dtype}")
    if ids.dtype.kind == "i" and ids.min() < 0:
        raise ValueError(f"{name} holds negative ids (the smallest is {ids.min()})")
    if ids.max() > np.iinfo(np.int64).max:
        raise ValueError(f"{name} holds ids past the 64-bit range (the largest is {ids.max()})")
    return ids.astype(np.int64, copy=False)


def _item_count(items: np.ndarray, item_names: Sequence[str] | None) -> int:
    largest = int(items.max()) if len(items) else -1
    if item_names is not None:
        if largest >= len(item_names):
            raise ValueError(f"item_ids go up to {largest} but item_names names only {len(item_names)} items")
        return len(item_names)
    if largest >= MAX_ITEMS:
        raise ValueError(f"item_ids go up to {largest}: items are catalogue positions 0..n-1, not database keys")
    return largest + 1


def _check_share(name: str, value: float, *, allow_zero: bool) -> None:
    low_ok = value >= 0 if allow_zero else value > 0
    if not (low_ok and value <= 1):
        raise ValueError(f"{name} must be in {'[0' if allow_zero else '(0'}, 1], not {value}")


def _check_top(top: int) -> None:
    if isinstance(top, bool) or not isinstance(top, int | np.integer) or top < 1:
        raise ValueError(f"top must be a whole number of 1 or more, not {top!r}")


def _no_rules(item_count: int, item_names: tuple[str, ...] | None) -> Rules:
    ids, shares = np.zeros(0, dtype=np.int64), np.zeros(0)
    return Rules(ids, ids, ids, shares, shares, shares, shares, shares, 0, item_count, item_names)


def _no_offers() -> Offers:
    ids, shares = np.zeros(0, dtype=np.int64), np.zeros(0)
    return Offers(ids, ids, ids, ids, shares, shares, ids)
