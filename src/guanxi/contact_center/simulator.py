"""Discrete-event simulation of a contact center that drives the real routing engine.

Nothing here decides who gets which contact: every arrival, completion and
abandonment is handed to ``RoutingEngine`` exactly as the live system would, and the
engine's offers are accepted at once. So the service levels it reports are those of
the policy under test, not of a model of it.

Arrivals are Poisson with a rate per interval, handle times and patience exponential
(the Erlang C/A assumptions, so the two can be checked against each other). One
``random.Random(seed)`` feeds every draw in a fixed order: a seed is a replay.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from .routing import Agent, AgentState, Contact, RoutingEngine, RoutingPolicy

_ARRIVAL, _COMPLETE, _ABANDON = 0, 1, 2


@dataclass(frozen=True)
class Scenario:
    """``calls_per_interval[i]`` contacts arrive (on average) during interval ``i``."""

    calls_per_interval: Sequence[float]
    interval_seconds: float
    aht_seconds: float
    agents: int
    tier_mix: Mapping[str, float] = field(default_factory=lambda: {"standard": 1.0})
    patience_seconds: float | None = None  # None: nobody hangs up
    target_seconds: float = 20.0
    channel: str = "voice"

    def __post_init__(self) -> None:
        for name in ("interval_seconds", "aht_seconds"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)!r}")
        if self.agents < 1:
            raise ValueError(f"agents must be at least 1, got {self.agents!r}")
        if self.patience_seconds is not None and not self.patience_seconds > 0:
            raise ValueError(f"patience_seconds must be positive or None, got {self.patience_seconds!r}")
        if any(c < 0 for c in self.calls_per_interval) or not self.calls_per_interval:
            raise ValueError("calls_per_interval must be a non-empty list of numbers >= 0")
        if not self.tier_mix or any(share < 0 for share in self.tier_mix.values()) or not sum(self.tier_mix.values()):
            raise ValueError("tier_mix must give each tier a non-negative share, not all zero")


@dataclass
class TierResult:
    offered: int = 0
    answered: int = 0
    answered_in_target: int = 0
    answered_at_once: int = 0
    abandoned: int = 0
    total_wait: float = 0.0

    @property
    def service_level(self) -> float:
        """Answered within target over all offered (abandoned count as missed), as in Erlang A."""
        return self.answered_in_target / self.offered if self.offered else math.nan

    @property
    def average_speed_of_answer(self) -> float:
        return self.total_wait / self.answered if self.answered else math.nan

    @property
    def abandonment(self) -> float:
        return self.abandoned / self.offered if self.offered else math.nan

    def add(self, other: TierResult) -> None:
        self.offered += other.offered
        self.answered += other.answered
        self.answered_in_target += other.answered_in_target
        self.answered_at_once += other.answered_at_once
        self.abandoned += other.abandoned
        self.total_wait += other.total_wait


@dataclass
class SimulationResult:
    tiers: dict[str, TierResult]
    occupancy: float
    decisions: int

    @property
    def overall(self) -> TierResult:
        total = TierResult()
        for tier in self.tiers.values():
            total.add(tier)
        return total


def simulate(scenario: Scenario, policy: RoutingPolicy, seed: int) -> SimulationResult:
    """Run the scenario once; arrivals stop at the end of the last interval, the queue then drains."""
    return _Run(scenario, policy, seed).result()


class _Run:
    def __init__(self, scenario: Scenario, policy: RoutingPolicy, seed: int):
        self.scenario = scenario
        self.rng = random.Random(seed)
        self.engine = RoutingEngine(policy, [
            Agent(f"agent{i:04d}", {}, {scenario.channel: 1}, state=AgentState.AVAILABLE)
            for i in range(scenario.agents)
        ])
        self.tiers = {tier: TierResult() for tier in scenario.tier_mix}
        self.events: list[tuple] = []
        self.seq = 0
        self.waiting: dict[str, Contact] = {}
        self.busy_seconds = 0.0
        self.decisions = 0
        self.horizon = len(scenario.calls_per_interval) * scenario.interval_seconds
        self.pick_tier = _tier_picker(scenario.tier_mix, self.rng)

    def result(self) -> SimulationResult:
        self._schedule_next_arrival(0.0)
        engine = self.engine
        handlers: dict[int, Callable] = {_ARRIVAL: self._arrive, _COMPLETE: self._complete, _ABANDON: self._abandon}
        events = self.events
        while events:
            timer = engine.next_timer()
            if timer is not None and timer < events[0][0]:
                self._handle_offers(engine.advance(timer), timer)
                continue
            at, _, kind, payload = heapq.heappop(events)
            handlers[kind](payload, at)
        capacity = self.scenario.agents * self.horizon
        return SimulationResult(self.tiers, self.busy_seconds / capacity, self.decisions)

    def _push(self, at: float, kind: int, payload) -> None:
        self.seq += 1
        heapq.heappush(self.events, (at, self.seq, kind, payload))

    def _schedule_next_arrival(self, now: float) -> None:
        """Poisson arrivals with a rate that changes at interval boundaries (memoryless, so just redraw)."""
        scenario = self.scenario
        while now < self.horizon:
            interval = int(now // scenario.interval_seconds)
            rate = scenario.calls_per_interval[interval] / scenario.interval_seconds
            boundary = (interval + 1) * scenario.interval_seconds
            gap = self.rng.expovariate(rate) if rate > 0 else math.inf
            if now + gap < boundary:
                self._push(now + gap, _ARRIVAL, None)
                return
            now = boundary

    def _arrive(self, _payload, now: float) -> None:
        self.seq += 1
        contact = Contact(f"c{self.seq}", self.scenario.channel, now, tier=self.pick_tier())
        self.tiers[contact.tier].offered += 1
        self.waiting[contact.id] = contact
        if self.scenario.patience_seconds is not None:
            self._push(now + self.rng.expovariate(1.0 / self.scenario.patience_seconds), _ABANDON, contact.id)
        self._handle_offers(self.engine.contact_arrived(contact, now), now)
        self._schedule_next_arrival(now)

    def _complete(self, contact_id: str, now: float) -> None:
        self._handle_offers(self.engine.complete(contact_id, now), now)

    def _abandon(self, contact_id: str, now: float) -> None:
        contact = self.waiting.pop(contact_id, None)
        if contact is None:
            return  # answered before the customer lost patience
        self.tiers[contact.tier].abandoned += 1
        self._handle_offers(self.engine.abandon(contact_id, now), now)

    def _handle_offers(self, offers, now: float) -> None:
        """Agents answer at once; the handle time starts now."""
        for offer in offers:
            contact = self.waiting.pop(offer.contact_id)
            self.engine.accept(offer.contact_id, offer.agent_id, now)
            wait = now - contact.arrival
            tier = self.tiers[contact.tier]
            tier.answered += 1
            tier.total_wait += wait
            if wait <= self.scenario.target_seconds:
                tier.answered_in_target += 1
            if wait == 0.0:
                tier.answered_at_once += 1
            handle = self.rng.expovariate(1.0 / self.scenario.aht_seconds)
            self.busy_seconds += max(0.0, min(now + handle, self.horizon) - now)
            self.decisions += 1
            self._push(now + handle, _COMPLETE, offer.contact_id)


def _tier_picker(mix: Mapping[str, float], rng: random.Random) -> Callable[[], str]:
    tiers = list(mix)
    total = sum(mix.values())
    cumulative = []
    running = 0.0
    for tier in tiers:
        running += mix[tier] / total
        cumulative.append(running)

    def pick() -> str:
        draw = rng.random()
        for tier, edge in zip(tiers, cumulative):
            if draw < edge:
                return tier
        return tiers[-1]

    return pick
