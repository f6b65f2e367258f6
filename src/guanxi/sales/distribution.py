"""Which dealer gets a lead, and why: plain data in, one dealer and the reasons out.

Head office keeps the rules as data (province, city, model, purchase timeframe → a dealer, with a
priority); this module ranks the dealers the rules allow, in this order:

1. a repurchase goes back to the customer's previous dealer while it has room: it knows the
   customer, and the seeds' GM figure (65 of 100 cars to existing customers) is its business;
2. the matching rules of the best priority (a city's own dealers before the region's);
3. dealers with room (leads waiting for a first call below their capacity) before full ones;
4. better followers-up first: the share of leads accepted and called within the service levels,
   in bands of ten points, so that near-equals are equals;
5. among equals, round robin: the dealer handed a lead longest ago.

No Django here: `bench/funnel.py` and the tests feed it plain rows.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

PERFORMANCE_BAND = 0.1


@dataclass(frozen=True)
class LeadFacts:
    province: str = ""
    city: str = ""
    model: str = ""
    timeframe: str = ""
    previous_dealer_id: int | None = None  # set for a repurchase


@dataclass(frozen=True)
class Rule:
    """Leads matching every non-blank field go to `dealer_id`; lower `priority` is tried first."""

    dealer_id: int
    priority: int = 100
    province: str = ""
    city: str = ""
    model: str = ""
    timeframe: str = ""

    def matches(self, lead: LeadFacts) -> bool:
        return (
            (not self.province or self.province == lead.province)
            and (not self.city or self.city == lead.city)
            and (not self.model or self.model.casefold() in lead.model.casefold())
            and (not self.timeframe or self.timeframe == lead.timeframe)
        )


@dataclass(frozen=True)
class DealerLoad:
    dealer_id: int
    waiting: int = 0  # leads handed over and not called yet
    capacity: int = 30
    performance: float | None = None  # share followed up within the service levels; None: no history yet
    last_assigned: float = 0.0  # a timestamp; 0 for never

    @property
    def has_room(self) -> bool:
        return self.waiting < self.capacity

    @property
    def band(self) -> int:
        """Ten-point bands of performance; a dealer without history gets the top band's chance."""
        return int(1 / PERFORMANCE_BAND) if self.performance is None else int(self.performance / PERFORMANCE_BAND)


@dataclass(frozen=True)
class Choice:
    """`dealer_id` None: no dealer could take it (head office decides). `reasons` are (code, value)
    pairs the page words in the reader's language."""

    dealer_id: int | None
    reasons: tuple[tuple[str, object], ...]


def choose_dealer(lead: LeadFacts, rules: Iterable[Rule], loads: Mapping[int, DealerLoad],
                  excluded: frozenset[int] = frozenset()) -> Choice:
    """The dealer for the lead among those not `excluded` (tried already), with the reasons."""
    previous = loads.get(lead.previous_dealer_id) if lead.previous_dealer_id is not None else None
    if previous is not None and previous.dealer_id not in excluded and previous.has_room:
        return Choice(previous.dealer_id, (("previous_dealer", None),))
    matching = [rule for rule in rules if rule.dealer_id not in excluded and rule.matches(lead)]
    if not matching:
        return Choice(None, (("no_rule", None),))
    best = min(rule.priority for rule in matching)
    candidates = {rule.dealer_id for rule in matching if rule.priority == best}
    ranked = [loads.get(dealer_id) or DealerLoad(dealer_id) for dealer_id in candidates]
    with_room = [load for load in ranked if load.has_room]
    reasons: list[tuple[str, object]] = [("rule", _rule_words(next(r for r in matching if r.priority == best)))]
    if not with_room:
        reasons.append(("all_full", len(ranked)))
        with_room = ranked
    top_band = max(load.band for load in with_room)
    equals = [load for load in with_room if load.band == top_band]
    chosen = min(equals, key=lambda load: (load.last_assigned, load.dealer_id))
    if len(with_room) > 1:
        reasons.append(("performance", None if chosen.performance is None else round(chosen.performance, 2)))
    if len(equals) > 1:
        reasons.append(("round_robin", len(equals)))
    return Choice(chosen.dealer_id, tuple(reasons))


def _rule_words(rule: Rule) -> str:
    return " · ".join(part for part in (rule.province, rule.city, rule.model, rule.timeframe) if part) or "*"
