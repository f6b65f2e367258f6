"""The routing engine: which waiting contact goes to which agent, and why.

Speed comes from three indexes kept up to date on every event, so that no decision
scans all agents or all waiting contacts:

* a *ring* per distinct requirement (channel, skills, language, region after the
  relaxations of one expansion step) knows, once and for all, which agents on the
  roster meet it, and holds a heap of the contacts currently waiting in it;
* per channel, the set of agents who are routable and have room right now;
* per agent, the rings it is eligible for.

Contacts in a heap are ordered by ``-(priority - aging_weight * arrival)``. The score
``priority + aging_weight * (now - arrival)`` differs from that only by the same
``aging_weight * now`` for everyone, so the order never changes while contacts wait
and heads of different rings compare directly. With a service-level target in the
policy, each entry starts with a flag, 0 while the contact can still be answered in
time and 1 once it cannot: a timer at ``arrival + target`` re-queues the contact with
the flag set, so contacts within the target sort before those past it, and the score
orders each group (``RoutingPolicy.rank``, the order the database claim sorts by).
Removals are lazy: an entry is valid only while its ticket is waiting and still
carries the entry's version.

Time moves only through the ``now`` passed in; timers (expansion steps, preferred-agent
windows, reservation timeouts, service-level targets) fire inside ``advance(now)``,
which every public call runs first. Every tie is broken by arrival sequence or agent
id, so the same events always give the same decisions.
"""

from __future__ import annotations

import enum
import heapq
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .model import ROUTABLE_STATES, Agent, AgentState, Contact, Requirement
from .policy import RoutingPolicy


class _Status(enum.Enum):
    WAITING = "waiting"
    RESERVED = "reserved"
    ASSIGNED = "assigned"
    DONE = "done"  # completed or abandoned: any timer still pointing at it is void


class _Timer(enum.IntEnum):
    EXPAND = 0
    WINDOW_END = 1
    RESERVATION_EXPIRY = 2
    TARGET_PASSED = 3


@dataclass(frozen=True)
class Explanation:
    """Why this agent got this contact: enough for a supervisor to check the decision."""

    trigger: str
    score: float
    tier_priority: float
    value_bonus: float
    aging_bonus: float
    waited_seconds: float
    step: int
    requirement: str
    matched_skills: dict[str, tuple[int, int]]  # skill -> (required at this step, agent's proficiency)
    agent_choice: str
    choice_key: tuple
    candidates: int
    preferred_agent: bool
    fallback: str | None
    target_seconds: float | None = None  # the policy's service-level target, if it has one

    @property
    def within_target(self) -> bool | None:
        """Whether the contact could still be answered within the target (None: the policy has none)."""
        return None if self.target_seconds is None else self.waited_seconds < self.target_seconds

    def __str__(self) -> str:
        skills = ", ".join(f"{s} {have}>={need}" for s, (need, have) in self.matched_skills.items()) or "none"
        if self.trigger == "agent_available":
            chosen = "the best-scored waiting contact this agent may take"
        else:
            chosen = f"agent chosen by {self.agent_choice} among {self.candidates}"
        text = (
            f"{self.trigger}: score {self.score:.1f} = tier {self.tier_priority:g} + value {self.value_bonus:g}"
            f" + aging {self.aging_bonus:.1f} ({self.waited_seconds:.1f} s waited); ring {self.step} "
            f"({self.requirement}); skills {skills}; {chosen}"
        )
        if self.target_seconds is not None:
            if self.within_target:
                text += f"; within the {self.target_seconds:g} s target, so ahead of contacts past it"
            else:
                text += f"; past the {self.target_seconds:g} s target, so after contacts still within it"
        if self.preferred_agent:
            text += "; preferred agent"
        if self.fallback:
            text += f"; after fallback {self.fallback}"
        return text


class Offer:
    """A reservation: the agent has until ``expires_at`` to accept before it is re-offered.

    The explanation is assembled only when asked for: the simulator and the benchmark
    take hundreds of thousands of decisions and read none of them.
    """

    __slots__ = ("contact_id", "agent_id", "offered_at", "expires_at", "_facts", "_explanation")

    def __init__(self, contact_id: str, agent_id: str, offered_at: float, expires_at: float, facts: tuple):
        self.contact_id = contact_id
        self.agent_id = agent_id
        self.offered_at = offered_at
        self.expires_at = expires_at
        self._facts = facts
        self._explanation: Explanation | None = None

    @property
    def explanation(self) -> Explanation:
        if self._explanation is None:
            self._explanation = _explain(*self._facts)
        return self._explanation

    def __repr__(self) -> str:
        return f"Offer({self.contact_id!r} -> {self.agent_id!r} at {self.offered_at:g})"


@dataclass(frozen=True)
class Unroutable:
    """A contact nobody on the roster can serve even at the widest ring, and what was done."""

    contact_id: str
    at: float
    reason: str
    action: str


class _Ring:
    __slots__ = ("requirement", "eligible", "heap")

    def __init__(self, requirement: Requirement, eligible: set[str]):
        self.requirement = requirement
        self.eligible = eligible
        self.heap: list[tuple] = []


class _Ticket:
    __slots__ = ("contact", "key", "seq", "ladder", "step", "status", "version", "preferred",
                 "agent_id", "offer_seq", "fallback", "late", "target_timer")

    def __init__(self, contact: Contact, key: float, seq: int):
        self.contact = contact
        self.key = key
        self.seq = seq
        self.ladder: tuple[_Ring, ...] = ()
        self.step = 0
        self.status = _Status.WAITING
        self.version = 0
        self.preferred = False
        self.agent_id: str | None = None
        self.offer_seq = 0
        self.fallback: str | None = None
        self.late = 0  # 1 once the contact can no longer be answered within the policy's target
        self.target_timer = False

    @property
    def ring(self) -> _Ring:
        return self.ladder[self.step]


class RoutingEngine:
    """The routing state of one contact center, changed only through the methods below.

    Not thread-safe by design: one engine owns its agents and queues, and callers
    serialise events to it (one process per center, or a lock / row lock around each
    call), which is what keeps "no contact offered twice, no agent over capacity" a
    property of plain sequential code that the tests can check.
    """

    def __init__(self, policy: RoutingPolicy, agents: Iterable[Agent] = ()):
        self.policy = policy
        self.unroutable: list[Unroutable] = []
        self._agents: dict[str, Agent] = {}
        self._ready: dict[str, set[str]] = defaultdict(set)
        self._rings: dict[Requirement, _Ring] = {}
        self._ladders: dict[tuple, tuple[_Ring, ...]] = {}
        self._agent_rings: dict[str, list[_Ring]] = defaultdict(list)
        self._preferred: dict[str, list[tuple]] = defaultdict(list)
        self._tickets: dict[str, _Ticket] = {}
        self._timers: list[tuple] = []
        self._seq = itertools.count()
        self._now = float("-inf")
        for agent in agents:
            self.add_agent(agent)

    # ---- public API: every call takes the current time and returns the offers it caused

    def add_agent(self, agent: Agent, now: float | None = None) -> list[Offer]:
        if agent.id in self._agents:
            raise ValueError(f"agent {agent.id} is already on the roster")
        self._agents[agent.id] = agent
        for ring in self._rings.values():
            if ring.requirement.is_met_by(agent):
                ring.eligible.add(agent.id)
                self._agent_rings[agent.id].append(ring)
        self._refresh_ready(agent)
        return self._fill_agent(agent, self._now if now is None else now)

    def agent(self, agent_id: str) -> Agent:
        return self._agents[agent_id]

    def contact_arrived(self, contact: Contact, now: float) -> list[Offer]:
        """Offer the contact to the best available agent, or queue it."""
        if contact.id in self._tickets:
            raise ValueError(f"contact {contact.id} is already being routed")
        if contact.tier not in self.policy.tier_priority:
            raise ValueError(
                f"contact {contact.id} tier {contact.tier!r} is not in the policy's tier_priority "
                f"({', '.join(self.policy.tier_priority)})"
            )
        offers = self.advance(now)
        # -score(arrival at time 0): the score at any later time differs by aging_weight * now for everyone.
        ticket = _Ticket(contact, -self.policy.score(contact.tier, contact.value, -contact.arrival), next(self._seq))
        ticket.ladder = self._ladder_for(contact)
        ticket.step = self.policy.step_at(now - contact.arrival)
        if not ticket.ladder[-1].eligible and not self._apply_fallback(ticket, now):
            return offers
        self._tickets[contact.id] = ticket
        ticket.late = int(self.policy.past_target(now - contact.arrival))
        window_end = contact.arrival + self.policy.preferred_agent_window_seconds
        if contact.preferred_agent_id in ticket.ladder[-1].eligible and now < window_end:
            ticket.preferred = True
            self._set_timer(window_end, _Timer.WINDOW_END, ticket, 0)
        self._route_waiting(ticket, now, "contact_arrived", offers)
        return offers

    def set_agent_state(self, agent_id: str, state: AgentState | str, now: float) -> list[Offer]:
        offers = self.advance(now)
        agent = self._agents[agent_id]
        agent.state = AgentState(state)
        if agent.state is AgentState.AVAILABLE and not agent.is_idle():
            agent.state = AgentState.BUSY
        self._refresh_ready(agent)
        offers += self._fill_agent(agent, now)
        return offers

    def accept(self, contact_id: str, agent_id: str, now: float) -> list[Offer]:
        """The agent answers; refused if the offer expired (and went elsewhere) meanwhile."""
        offers = self.advance(now)
        ticket = self._tickets.get(contact_id)
        if ticket is None or ticket.status is not _Status.RESERVED or ticket.agent_id != agent_id:
            raise ValueError(f"contact {contact_id} has no pending offer to agent {agent_id} (it may have expired)")
        ticket.status = _Status.ASSIGNED
        return offers

    def complete(self, contact_id: str, now: float, after_call_work: bool = False) -> list[Offer]:
        """The agent is done with the contact; with after-call work it stays unroutable until set available."""
        offers = self.advance(now)
        ticket = self._tickets.get(contact_id)
        if ticket is None or ticket.status is _Status.WAITING:
            raise ValueError(f"contact {contact_id} is not assigned to an agent")
        self._finish(ticket)
        agent = self._release_slot(ticket)
        if after_call_work:
            agent.state = AgentState.AFTER_CALL_WORK
            self._refresh_ready(agent)
        offers += self._fill_agent(agent, now)
        return offers

    def abandon(self, contact_id: str, now: float) -> list[Offer]:
        """The customer hung up or left the chat before being answered."""
        offers = self.advance(now)
        ticket = self._tickets.get(contact_id)
        if ticket is None:
            return offers
        was_waiting = ticket.status is _Status.WAITING
        self._finish(ticket)
        if not was_waiting:
            offers += self._fill_agent(self._release_slot(ticket), now)
        return offers

    def advance(self, now: float) -> list[Offer]:
        """Fire the timers due by ``now``; each decision is taken at its timer's own time."""
        self._now = max(self._now, now)
        offers: list[Offer] = []
        timers = self._timers
        while timers and timers[0][0] <= now:
            at, _, kind, ticket, marker = heapq.heappop(timers)
            if kind is _Timer.EXPAND and ticket.status is _Status.WAITING and ticket.step < marker:
                ticket.step = marker
                self._route_waiting(ticket, at, "ring_widened", offers)
            elif kind is _Timer.WINDOW_END and ticket.status is _Status.WAITING and ticket.preferred:
                ticket.preferred = False
                self._route_waiting(ticket, at, "preferred_window_ended", offers)
            elif kind is _Timer.RESERVATION_EXPIRY and ticket.status is _Status.RESERVED and ticket.offer_seq == marker:
                self._expire_reservation(ticket, at, offers)
            elif kind is _Timer.TARGET_PASSED and ticket.status is _Status.WAITING and not ticket.late:
                ticket.late = 1  # no agent changed, so nothing to offer: only its place in the queue moves
                self._queue(ticket)
        return offers

    def next_timer(self) -> float | None:
        """When ``advance`` next has something to do (for simulators and schedulers)."""
        return self._timers[0][0] if self._timers else None

    def assignments(self) -> dict[str, str]:
        """Contact id -> agent id for every contact offered or being handled."""
        return {cid: t.agent_id for cid, t in self._tickets.items() if t.status is not _Status.WAITING}

    def waiting_count(self) -> int:
        return sum(1 for t in self._tickets.values() if t.status is _Status.WAITING)

    # ---- routing

    def _finish(self, ticket: _Ticket) -> None:
        ticket.status = _Status.DONE
        del self._tickets[ticket.contact.id]

    def _route_waiting(self, ticket: _Ticket, now: float, trigger: str, offers: list[Offer]) -> None:
        """Offer a waiting ticket to an agent at its current ring, else (re)queue it."""
        offer = self._offer_to_best_agent(ticket, now, trigger)
        if offer is not None:
            offers.append(offer)
            return
        self._queue(ticket)
        self._schedule_next_step(ticket)

    def _queue(self, ticket: _Ticket) -> None:
        """(Re)queue a waiting ticket where it now belongs; any entry it had elsewhere becomes stale."""
        ticket.version += 1
        entry = (ticket.late, ticket.key, ticket.seq, ticket.version, ticket)
        if ticket.preferred:
            self._preferred[ticket.contact.preferred_agent_id].append(entry)
        else:
            heapq.heappush(ticket.ring.heap, entry)
        target = self.policy.service_level_target_seconds
        if target is not None and not ticket.late and not ticket.target_timer:
            ticket.target_timer = True  # one timer per contact, set when it first has to wait
            self._set_timer(ticket.contact.arrival + target, _Timer.TARGET_PASSED, ticket, 0)

    def _offer_to_best_agent(self, ticket: _Ticket, now: float, trigger: str) -> Offer | None:
        ring = ticket.ring
        ready = self._ready.get(ring.requirement.channel)
        if not ready:
            return None
        if ticket.preferred:
            preferred = ticket.contact.preferred_agent_id
            candidates = {preferred} if preferred in ready and preferred in ring.eligible else set()
        else:
            candidates = ready & ring.eligible
        if not candidates:
            return None
        choose = self._choice_key(ticket)
        agent_id = min(candidates, key=choose)
        return self._reserve(ticket, self._agents[agent_id], now, trigger, len(candidates), choose(agent_id))

    def _fill_agent(self, agent: Agent, now: float) -> list[Offer]:
        """An agent has room: give it the best-scored contacts it may take, until full."""
        offers: list[Offer] = []
        if agent.state not in ROUTABLE_STATES:
            return offers
        while True:
            best = self._best_waiting_for(agent)
            if best is None:
                return offers
            ticket = best[4]
            ticket.version += 1  # take it out of whichever heap held it
            offers.append(self._reserve(ticket, agent, now, "agent_available", 1, self._choice_key(ticket)(agent.id)))

    def _best_waiting_for(self, agent: Agent) -> tuple | None:
        best = None
        load = agent.load
        with_room = {channel for channel, slots in agent.capacity.items() if load.get(channel, 0) < slots}
        if not with_room:
            return None
        for ring in self._agent_rings[agent.id]:
            heap = ring.heap
            if not heap or ring.requirement.channel not in with_room:
                continue
            while heap and not _is_current(heap[0]):
                heapq.heappop(heap)
            if heap and (best is None or heap[0] < best):
                best = heap[0]
        personal = self._preferred.get(agent.id)
        if personal:
            personal[:] = [e for e in personal if _is_current(e)]
            for entry in personal:
                ring = entry[4].ring
                if agent.id in ring.eligible and ring.requirement.channel in with_room:
                    if best is None or entry < best:
                        best = entry
        if best is not None and best[4].ring.heap and best[4].ring.heap[0] is best:
            heapq.heappop(best[4].ring.heap)
        return best

    def _choice_key(self, ticket: _Ticket) -> Callable[[str], tuple]:
        agents = self._agents
        rule = self.policy.agent_choice
        if rule == "fewest_today":
            return lambda a: (agents[a].contacts_today, agents[a].last_assignment_time, a)
        if rule == "best_proficiency":
            wanted = tuple(ticket.contact.skills)
            return lambda a: (-sum(agents[a].skills.get(s, 0) for s in wanted), agents[a].last_assignment_time, a)
        return lambda a: (agents[a].last_assignment_time, a)

    def _reserve(self, ticket: _Ticket, agent: Agent, now: float, trigger: str, candidates: int, key: tuple) -> Offer:
        ring = ticket.ring
        channel = ring.requirement.channel
        facts = (self.policy, ticket.contact, agent, now, trigger, candidates, key, ticket.step, ring.requirement,
                 ticket.preferred, ticket.fallback)
        agent.load[channel] = agent.load.get(channel, 0) + 1
        agent.state = AgentState.BUSY
        agent.last_assignment_time = now
        agent.contacts_today += 1
        if agent.load[channel] >= agent.capacity.get(channel, 0):
            self._ready[channel].discard(agent.id)
        ticket.status = _Status.RESERVED
        ticket.agent_id = agent.id
        ticket.offer_seq += 1
        expires_at = now + self.policy.reservation_timeout_seconds
        self._set_timer(expires_at, _Timer.RESERVATION_EXPIRY, ticket, ticket.offer_seq)
        return Offer(ticket.contact.id, agent.id, now, expires_at, facts)

    def _expire_reservation(self, ticket: _Ticket, at: float, offers: list[Offer]) -> None:
        """Nobody answered: the agent is put on break (as a missed offer) and the contact re-offered."""
        agent = self._release_slot(ticket)
        agent.state = AgentState.BREAK
        self._refresh_ready(agent)
        ticket.status = _Status.WAITING
        ticket.step = self.policy.step_at(at - ticket.contact.arrival)
        ticket.late = int(self.policy.past_target(at - ticket.contact.arrival))  # its timer may have fired meanwhile
        self._route_waiting(ticket, at, "re_offer", offers)

    def _release_slot(self, ticket: _Ticket) -> Agent:
        agent = self._agents[ticket.agent_id]
        channel = ticket.ring.requirement.channel
        agent.load[channel] -= 1
        if agent.state is AgentState.BUSY and agent.is_idle():
            agent.state = AgentState.AVAILABLE
        self._refresh_ready(agent)
        return agent

    # ---- indexes

    def _ladder_for(self, contact: Contact) -> tuple[_Ring, ...]:
        """Cached on a plain tuple: building and hashing a Requirement per arrival costs more than routing."""
        skills = contact.skills
        key = (contact.channel, tuple(sorted(skills.items())) if len(skills) > 1 else tuple(skills.items()),
               contact.language, contact.region)
        ladder = self._ladders.get(key)
        if ladder is None:
            ladder = self._ladders[key] = self._ladder(Requirement(*key))
        return ladder

    def _ladder(self, base: Requirement) -> tuple[_Ring, ...]:
        return tuple(self._ring(r) for r in self.policy.ladder(base))

    def _ring(self, requirement: Requirement) -> _Ring:
        ring = self._rings.get(requirement)
        if ring is None:
            eligible = {a.id for a in self._agents.values() if requirement.is_met_by(a)}
            ring = self._rings[requirement] = _Ring(requirement, eligible)
            for agent_id in sorted(eligible):
                self._agent_rings[agent_id].append(ring)
        return ring

    def _refresh_ready(self, agent: Agent) -> None:
        for channel in agent.capacity:
            if agent.has_room(channel):
                self._ready[channel].add(agent.id)
            else:
                self._ready[channel].discard(agent.id)

    def _schedule_next_step(self, ticket: _Ticket) -> None:
        steps = self.policy.expansion_steps
        if ticket.step < len(steps):
            at = ticket.contact.arrival + steps[ticket.step].after_seconds
            self._set_timer(at, _Timer.EXPAND, ticket, ticket.step + 1)

    def _set_timer(self, at: float, kind: _Timer, ticket: _Ticket, marker: int) -> None:
        heapq.heappush(self._timers, (at, next(self._seq), kind, ticket, marker))

    def _apply_fallback(self, ticket: _Ticket, now: float) -> bool:
        """Report the contact and do what the policy's fallback says. False: it left routing (voicemail)."""
        decision = self.policy.fallback_for(ticket.ladder[0].requirement, lambda r: bool(self._ring(r).eligible))
        if decision is None:  # cannot happen from contact_arrived, which asks only when the widest ring is empty
            return True
        self.unroutable.append(Unroutable(ticket.contact.id, now, decision.reason, decision.action))
        if decision.requirement is None:
            return False
        ticket.ladder = self._ladder(decision.requirement)
        ticket.fallback = decision.action
        return True


def _is_current(entry: tuple) -> bool:
    ticket = entry[4]
    return ticket.status is _Status.WAITING and ticket.version == entry[3]


def _explain(policy: RoutingPolicy, contact: Contact, agent: Agent, now: float, trigger: str, candidates: int,
             key: tuple, step: int, requirement: Requirement, preferred: bool, fallback: str | None) -> Explanation:
    tier = policy.tier_priority[contact.tier]
    value = policy.value_weight * contact.value
    waited = now - contact.arrival
    aging = policy.aging_weight * waited
    return Explanation(
        trigger=trigger,
        score=policy.score(contact.tier, contact.value, waited),
        tier_priority=tier,
        value_bonus=value,
        aging_bonus=aging,
        waited_seconds=waited,
        step=step,
        requirement=requirement.describe(),
        matched_skills={s: (need, agent.skills.get(s, 0)) for s, need in requirement.skills},
        agent_choice=policy.agent_choice,
        choice_key=key,
        candidates=candidates,
        preferred_agent=preferred,
        fallback=fallback,
        target_seconds=policy.service_level_target_seconds,
    )
