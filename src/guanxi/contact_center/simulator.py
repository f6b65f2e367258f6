"""Discrete-event simulation of a contact center that drives the real routing engine.

Nothing here decides who gets which contact: every arrival, completion and
abandonment is handed to ``RoutingEngine`` exactly as the live system would, and the
engine's offers are accepted at once. So the service levels it reports are those of
the policy under test, not of a model of it.

Arrivals are Poisson with a rate per interval, or replayed from history (a list of
arrival times with their tier, and optionally their handle time); handle times and
patience are otherwise exponential (the Erlang C/A assumptions, so the two can be
checked against each other). One ``random.Random(seed)`` feeds every draw in a fixed
order: a seed is a replay.

Agents follow a schedule: a number on duty per interval (agent ``i`` works interval
``k`` when ``i < agents[k]``, as if the roster were sorted by shift). One going off
duty finishes the contact in hand and takes no new one: the engine sees it set
OFFLINE, which keeps its load until ``complete`` but takes it out of routing. After
the last interval the last interval's agents stay on while the queue drains.
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from .routing import Agent, AgentState, Contact, RoutingEngine, RoutingPolicy

_SHIFT, _ARRIVAL, _COMPLETE, _ABANDON = 0, 1, 2, 3  # at equal times, shift changes go first


@dataclass(frozen=True)
class Arrival:
    """One contact of history: when it came (seconds from the start), its tier, and its handle time if
    known (else drawn like the others)."""

    seconds: float
    tier: str = "standard"
    handle_seconds: float | None = None


@dataclass(frozen=True)
class Scenario:
    """``calls_per_interval[i]`` contacts arrive (on average) during interval ``i``, served by ``agents``
    (one number for every interval, or one per interval).

    With ``arrivals`` the contacts are exactly those, in time order; ``calls_per_interval`` then only
    sets how many intervals the run has (see ``replay``).
    """

    calls_per_interval: Sequence[float]
    interval_seconds: float
    aht_seconds: float
    agents: int | Sequence[int]
    tier_mix: Mapping[str, float] = field(default_factory=lambda: {"standard": 1.0})
    patience_seconds: float | None = None  # None: nobody hangs up
    target_seconds: float = 20.0
    channel: str = "voice"
    arrivals: Sequence[Arrival] | None = None

    def __post_init__(self) -> None:
        for name in ("interval_seconds", "aht_seconds"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)!r}")
        if self.patience_seconds is not None and not self.patience_seconds > 0:
            raise ValueError(f"patience_seconds must be positive or None, got {self.patience_seconds!r}")
        if any(c < 0 for c in self.calls_per_interval) or not self.calls_per_interval:
            raise ValueError("calls_per_interval must be a non-empty list of numbers >= 0")
        if not self.tier_mix or any(share < 0 for share in self.tier_mix.values()) or not sum(self.tier_mix.values()):
            raise ValueError("tier_mix must give each tier a non-negative share, not all zero")
        self._check_schedule()
        if self.arrivals is not None:
            self._check_arrivals()

    @property
    def schedule(self) -> list[int]:
        """Agents on duty in each interval."""
        if isinstance(self.agents, int):
            return [self.agents] * len(self.calls_per_interval)
        return list(self.agents)

    @property
    def horizon(self) -> float:
        return len(self.calls_per_interval) * self.interval_seconds

    def _check_schedule(self) -> None:
        if isinstance(self.agents, int):
            if self.agents < 1:
                raise ValueError(f"agents must be at least 1, got {self.agents!r}")
            return
        if len(self.agents) != len(self.calls_per_interval):
            raise ValueError(f"agents: {len(self.agents)} numbers for {len(self.calls_per_interval)} intervals; "
                             "give one per interval")
        if any(isinstance(n, bool) or not isinstance(n, int) or n < 0 for n in self.agents):
            raise ValueError("agents must be whole numbers >= 0")
        if not any(self.agents):
            raise ValueError("agents: at least one interval needs an agent on duty")

    def _check_arrivals(self) -> None:
        for i, arrival in enumerate(self.arrivals):
            if not 0 <= arrival.seconds < self.horizon:
                raise ValueError(f"arrivals[{i}]: {arrival.seconds!r} s is outside the run (0 to {self.horizon:g} s)")
            if arrival.tier not in self.tier_mix:
                raise ValueError(f"arrivals[{i}]: tier {arrival.tier!r} is not one of {', '.join(self.tier_mix)}")
            if arrival.handle_seconds is not None and not arrival.handle_seconds > 0:
                raise ValueError(f"arrivals[{i}]: handle_seconds must be positive, got {arrival.handle_seconds!r}")

    @classmethod
    def replay(cls, arrivals: Sequence[Arrival], interval_seconds: float, aht_seconds: float,
               agents: int | Sequence[int], **options) -> Scenario:
        """A scenario of exactly these contacts: as many intervals as the schedule or the last arrival needs,
        ``calls_per_interval`` their counts (so reports per interval line up), the tiers those seen."""
        if not arrivals:
            raise ValueError("arrivals must list at least one contact")
        last = max(a.seconds for a in arrivals)
        if not 0 <= last < math.inf:
            raise ValueError(f"arrivals: {last!r} s is not a time from the start")
        intervals = max(int(last // interval_seconds) + 1, 1 if isinstance(agents, int) else len(agents))
        counts = [0.0] * intervals
        for arrival in arrivals:
            counts[min(intervals - 1, max(0, int(arrival.seconds // interval_seconds)))] += 1
        mix = {tier: 1.0 for tier in sorted({a.tier for a in arrivals})}
        return cls(counts, interval_seconds, aht_seconds, agents, mix, arrivals=tuple(arrivals), **options)


@dataclass
class TierResult:
    offered: int = 0
    answered: int = 0
    answered_in_target: int = 0
    answered_at_once: int = 0
    abandoned: int = 0
    total_wait: float = 0.0
    waits: list[float] = field(default_factory=list, repr=False)  # of each answered contact, in answer order

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

    def wait_percentile(self, share: float) -> float:
        """The wait that this share of answered contacts did not exceed (nearest rank: p95 is
        ``wait_percentile(0.95)``); the tail a policy makes some contacts pay."""
        return percentile(self.waits, share)

    def add(self, other: TierResult) -> None:
        self.offered += other.offered
        self.answered += other.answered
        self.answered_in_target += other.answered_in_target
        self.answered_at_once += other.answered_at_once
        self.abandoned += other.abandoned
        self.total_wait += other.total_wait
        self.waits += other.waits


@dataclass
class SimulationResult:
    """Per tier, and per interval of arrival (so a thin interval of the schedule shows up as itself).

    ``occupancy`` is handle time while on duty, up to the end of the last interval, over the agent time
    scheduled (the sum over intervals of agents on duty x interval length), so it stays a share of the
    paid roster. An agent who goes off duty mid-call finishes it; that tail is ``overtime_seconds``,
    reported apart because the schedule did not pay for it.
    """

    tiers: dict[str, TierResult]
    busy_seconds: float
    scheduled_seconds: float
    decisions: int
    intervals: list[TierResult] = field(default_factory=list)
    overtime_seconds: float = 0.0

    @property
    def occupancy(self) -> float:
        return self.busy_seconds / self.scheduled_seconds

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
        self.schedule = scenario.schedule
        self.on_duty = self.schedule[0]
        self.engine = RoutingEngine(policy, [
            Agent(_agent_id(i), {}, {scenario.channel: 1},
                  state=AgentState.AVAILABLE if i < self.on_duty else AgentState.OFFLINE)
            for i in range(max(self.schedule))
        ])
        self.tiers = {tier: TierResult() for tier in scenario.tier_mix}
        self.intervals = [TierResult() for _ in self.schedule]
        self.interval_of: dict[str, TierResult] = {}
        self.events: list[tuple] = []
        self.seq = 0
        self.waiting: dict[str, Contact] = {}
        self.handle_of: dict[str, float] = {}  # replayed handle times, by contact id
        self.busy_seconds = 0.0
        self.overtime_seconds = 0.0
        self.busy_until: dict[str, float] = {}  # agent id -> end of the contact in hand
        self.decisions = 0
        self.horizon = scenario.horizon
        self.pick_tier = _tier_picker(scenario.tier_mix, self.rng)
        self.replay = None
        if scenario.arrivals is not None:
            self.replay = iter(sorted(scenario.arrivals, key=lambda a: a.seconds))  # stable: file order on ties

    def result(self) -> SimulationResult:
        for k in range(1, len(self.schedule)):
            if self.schedule[k] != self.schedule[k - 1]:
                self._push(k * self.scenario.interval_seconds, _SHIFT, self.schedule[k])
        self._schedule_next_arrival(0.0)
        engine = self.engine
        handlers: dict[int, Callable] = {_SHIFT: self._shift, _ARRIVAL: self._arrive, _COMPLETE: self._complete,
                                         _ABANDON: self._abandon}
        events = self.events
        while events:
            timer = engine.next_timer()
            if timer is not None and timer < events[0][0]:
                self._handle_offers(engine.advance(timer), timer)
                continue
            at, _, kind, payload = heapq.heappop(events)
            handlers[kind](payload, at)
        scheduled = sum(self.schedule) * self.scenario.interval_seconds
        return SimulationResult(self.tiers, self.busy_seconds, scheduled, self.decisions, self.intervals,
                                self.overtime_seconds)

    def _shift(self, on_duty: int, now: float) -> None:
        """Agents ``i < on_duty`` work from now on: newcomers take waiting work, leavers finish what they hold."""
        before, self.on_duty = self.on_duty, on_duty
        state = AgentState.AVAILABLE if on_duty > before else AgentState.OFFLINE
        sign = 1.0 if on_duty > before else -1.0
        for i in range(min(before, on_duty), max(before, on_duty)):
            agent_id = _agent_id(i)
            # the rest of a call in hand leaves (or rejoins) on-duty busy time; answering counted it in full
            tail = max(0.0, min(self.busy_until.get(agent_id, now), self.horizon) - now)
            self.busy_seconds += sign * tail
            self.overtime_seconds -= sign * tail
            self._handle_offers(self.engine.set_agent_state(agent_id, state, now), now)

    def _push(self, at: float, kind: int, payload) -> None:
        self.seq += 1
        heapq.heappush(self.events, (at, self.seq, kind, payload))

    def _schedule_next_arrival(self, now: float) -> None:
        """The next replayed contact, or Poisson arrivals with a rate that changes at interval boundaries
        (memoryless, so just redraw)."""
        if self.replay is not None:
            arrival = next(self.replay, None)
            if arrival is not None:
                self._push(arrival.seconds, _ARRIVAL, arrival)
            return
        scenario = self.scenario
        # Step by interval index, never by recomputing it from the time: (i+1)*s // s can round back
        # to i (s = 0.6: 1.7999999999999998 // 0.6 == 2 at i = 3), which looped forever.
        interval = int(now // scenario.interval_seconds)
        while now < self.horizon and interval < len(scenario.calls_per_interval):
            rate = scenario.calls_per_interval[interval] / scenario.interval_seconds
            boundary = (interval + 1) * scenario.interval_seconds
            gap = self.rng.expovariate(rate) if rate > 0 else math.inf
            if now + gap < boundary:
                self._push(now + gap, _ARRIVAL, None)
                return
            interval, now = interval + 1, boundary

    def _arrive(self, replayed: Arrival | None, now: float) -> None:
        self.seq += 1
        contact = Contact(f"c{self.seq}", self.scenario.channel, now,
                          tier=self.pick_tier() if replayed is None else replayed.tier)
        if replayed is not None and replayed.handle_seconds is not None:
            self.handle_of[contact.id] = replayed.handle_seconds
        interval = self.intervals[min(int(now // self.scenario.interval_seconds), len(self.intervals) - 1)]
        self.interval_of[contact.id] = interval
        self.tiers[contact.tier].offered += 1
        interval.offered += 1
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
        self.interval_of.pop(contact_id).abandoned += 1
        self._handle_offers(self.engine.abandon(contact_id, now), now)

    def _handle_offers(self, offers, now: float) -> None:
        """Agents answer at once; the handle time starts now."""
        for offer in offers:
            contact = self.waiting.pop(offer.contact_id)
            self.engine.accept(offer.contact_id, offer.agent_id, now)
            wait = now - contact.arrival
            for figures in (self.tiers[contact.tier], self.interval_of.pop(offer.contact_id)):
                figures.answered += 1
                figures.total_wait += wait
                figures.waits.append(wait)
                if wait <= self.scenario.target_seconds:
                    figures.answered_in_target += 1
                if wait == 0.0:
                    figures.answered_at_once += 1
            handle = self.handle_of.pop(offer.contact_id, None)
            if handle is None:
                handle = self.rng.expovariate(1.0 / self.scenario.aht_seconds)
            self.busy_seconds += max(0.0, min(now + handle, self.horizon) - now)
            self.busy_until[offer.agent_id] = now + handle
            self.decisions += 1
            self._push(now + handle, _COMPLETE, offer.contact_id)


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest-rank percentile: the smallest value at least ``share`` of the values do not exceed."""
    if not 0 < share <= 1:
        raise ValueError(f"share must be in (0, 1], got {share!r}")
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _agent_id(index: int) -> str:
    return f"agent{index:04d}"


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
