"""Contact-center domain operations: the routing policy in force, and claiming contacts across processes
(staffing plans and simulations are in planning.py, the agent desktop's tools in desktop_tools.py).

What the page, the API and the CLI call. Bad input is a Django ValidationError naming the field
(the API turns it into a 422, the page into a form error), whatever layer found it.

Why the authoritative routing state lives in the database, not Redis
--------------------------------------------------------------------
With several server processes, "no contact offered to two agents, no agent above capacity" needs
one place that serialises reservations. The database is that place here:

* it is already the source of truth for everything the reservation touches (the agent, the
  contact, the customer and the timeline entry written when the contact is answered), so a claim commits
  in the same transaction as whatever else changes, with no second store to keep in step and no
  window where Redis says "offered" and the database does not know;
* the embedded default has no Redis at all (`guanxi demo` on a bare machine): a Redis-only design
  would need a second implementation for SQLite, while row locks give one code path for both;
* the load is small for a database: a claim is a handful of indexed reads and two row updates,
  taken when an agent frees a slot (hundreds per second for a large center), far below what
  PostgreSQL sustains; the routing decision itself is the engine's code, run in the process.

How: `claim_next_contact` locks the agent's row (`SELECT ... FOR UPDATE`, so two processes serving
the same agent queue behind each other and its load is counted once), reads the oldest waiting
contacts of each tier and channel the agent may take (eligibility at each of the policy's rings
narrowed in SQL), ranks them with the engine's own rules (the policy's rings, `Requirement.is_met_by`,
the policy's `rank`), then reserves the best one with `SELECT ... FOR UPDATE SKIP LOCKED` re-checking
that it is still waiting: a contact another process is reserving at that moment is skipped, not
waited for, and one it has already reserved no longer matches. On SQLite `select_for_update` is a
no-op, but the IMMEDIATE transaction mode in settings takes the database's single write lock at
BEGIN, so claims run one at a time, which is the same guarantee. Redis (atomic Lua scripts) would
become worth it only for push routing at thousands of decisions per second across many nodes; the
in-memory engine (routing.engine) is the tool for that, one process per center.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
import json
import operator
import random
import re
import time
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, transaction
from django.db.models import BooleanField, Count, F, Func, Q, QuerySet
from django.db.models.fields.json import KeyTransform
from django.utils import timezone
from django.utils.translation import gettext as _

from guanxi.analytics import latest as analytics_latest
from guanxi.contact_center import claim_sql
from guanxi.contact_center.models import (
    Agent,
    AgentStateChange,
    ContactChannel,
    ContactEvent,
    QueuedContact,
    RoutingPolicyVersion,
    timeline_channel,
)
from guanxi.contact_center.planning import (
    API_MAX_AGENTS,
    API_MAX_CONTACTS,
    API_MAX_WORK,
    run_simulation,
    skills_named_in,
)
from guanxi.contact_center.policies import VALUE
from guanxi.contact_center.routing import Agent as EngineAgent
from guanxi.contact_center.routing import Contact, RoutingPolicy
from guanxi.contact_center.routing.model import MAX_PROFICIENCY, AgentState
from guanxi.core.scoping import reach_key, require, sees_everything
from guanxi.customers import services as customer_services
from guanxi.customers.models import Customer, Direction, Interaction, Tier

# ---- the routing policy in force -----------------------------------------------------------------

# The dry run before a policy is saved: a run of the simulator bounded like an API request.
DRY_RUN_BOUNDS = {"max_contacts": API_MAX_CONTACTS, "max_agents": API_MAX_AGENTS, "max_work": API_MAX_WORK}


def current_policy() -> RoutingPolicy:
    """The policy in force: the latest saved, else the value policy. Its skills were checked against the roster
    when it was saved; a skill the roster has lost since must not stop every claim, so it is not checked again."""
    data = policy_data()
    return RoutingPolicy.from_dict(data, skills_named_in(data))


def policy_data() -> dict[str, Any]:
    """The policy in force as data (what the editor shows): the latest saved, else the value policy."""
    latest = RoutingPolicyVersion.objects.order_by("-saved_at", "-pk").values_list("data", flat=True).first()
    return VALUE if latest is None else latest


def check_policy(data: Any) -> RoutingPolicy:
    """A policy as it may be saved: valid for the engine (skills the roster knows) and giving every customer
    tier a priority, so that no tier is left unroutable. A ValidationError on "policy" says what is wrong."""
    try:
        policy = RoutingPolicy.from_dict(data, roster_skills())
    except ValueError as exc:
        raise ValidationError({"policy": str(exc)}) from exc
    missing = [tier for tier in Tier.values if tier not in policy.tier_priority]
    if missing:
        raise ValidationError({"policy": _("tier_priority must give every customer tier a priority; missing: "
                                           "%(tiers)s (their contacts would never be routed)")
                                         % {"tiers": ", ".join(missing)}})
    unknown = [tier for tier in policy.tier_priority if tier not in Tier.values]
    if unknown:
        raise ValidationError({"policy": _("tier_priority names tiers customers do not have: %(tiers)s")
                                         % {"tiers": ", ".join(map(str, unknown))}})
    return policy


def dry_run_policy(user, data: Any, **scenario: Any) -> dict[str, dict[str, Any]]:
    """The policy in force and `data` simulated on the same scenario and seed (`run_simulation`'s arguments,
    bounded like an API request): {"current": figures, "proposed": figures}, before `data` is saved."""
    require(user, "contact_center.routingpolicyversion", "add")
    check_policy(data)
    return {
        "current": run_simulation(policy=policy_data(), **scenario, **DRY_RUN_BOUNDS),
        "proposed": run_simulation(policy=data, **scenario, **DRY_RUN_BOUNDS),
    }


def save_policy(user, data: Any, note: str = "") -> RoutingPolicyVersion:
    """Put `data` in force (checked as `check_policy` does); the earlier versions stay as its history."""
    require(user, "contact_center.routingpolicyversion", "add")
    check_policy(data)
    version = RoutingPolicyVersion(data=data, saved_by=user, saved_at=timezone.now(), note=note)
    version.full_clean(exclude=["saved_by"])
    version.save()
    return version


def policy_history(user, limit: int = 10) -> list[RoutingPolicyVersion]:
    """The latest saved versions, newest (in force) first: who saved what, when and why."""
    require(user, "contact_center.routingpolicyversion", "view")
    return list(RoutingPolicyVersion.objects.select_related("saved_by").order_by("-saved_at", "-pk")[:limit])


def policy_fingerprint(data: Any) -> str:
    """What a dry run was made of, so that the editor saves only a policy it has simulated."""
    return hashlib.sha256(json.dumps(data, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def roster_skills() -> set[str]:
    """Every skill an agent on the roster has: what a policy's fallback and expansion steps may name."""
    return {skill for skills in Agent.objects.values_list("skills", flat=True) for skill in skills or {}}


# ---- claiming contacts (several processes) -------------------------------------------------------

# Waiting contacts read per tier and channel for one claim (and, with a service-level target, as many
# again of those still within it). Eligibility is decided in SQL first (`_eligible_for`), so the first
# row of each group is the best the agent may take there; the others stand in when another process is
# reserving it at that moment, and let a policy's value weight reorder a tier's oldest.
CANDIDATES_PER_QUEUE = 20
_SQLITE_PATIENCE = 20.0  # seconds: as long as a file database waits for its write lock (settings: "timeout")
_REQUIREMENT_FIELDS = {"skills", "language", "region"}


def claim_next_contact(agent: Agent, policy: RoutingPolicy | None = None, now: dt.datetime | None = None):
    """Reserve for `agent` the best-scored waiting contact it may take; None if there is none or it is full.

    The contact moves to "offered" with `offered_to = agent`; see the module docstring for why no
    two callers, in any number of processes, can reserve the same contact or overfill an agent.
    """
    offered = serialised(_claim, agent.pk, policy or current_policy(), now or timezone.now())
    return offered[0] if offered else None


def serialised(operation, *args, **kwargs):
    """Run `operation` in one transaction; on SQLite, try again while the write lock is taken.

    A file database waits for the lock itself (the `timeout` in settings), so this only matters
    past that timeout, or with the in-memory shared-cache database of the tests, which reports a
    held lock at once ("database table is locked") instead of waiting.
    """
    deadline, attempt = time.monotonic() + _SQLITE_PATIENCE, 0
    while True:
        try:
            with transaction.atomic():
                return operation(*args, **kwargs)
        except OperationalError as exc:
            if connection.vendor != "sqlite" or "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            attempt += 1
            # at random within a growing wait: callers that collided do not all come back at the same instant
            time.sleep(random.uniform(0, min(0.05, 0.002 * attempt)))


def _claim(agent_id: int, policy: RoutingPolicy, now: dt.datetime, only: tuple[str, ...] | None = None,
           skip_locked: bool = False, fill: bool = False) -> list[QueuedContact]:
    """The best waiting contact the agent may take, reserved for it; with `fill`, as many as the agent has free
    slots on the one channel of `only`, best first, as the engine fills an agent (`_fill_agent`)."""
    agent = (Agent.objects.select_for_update(skip_locked=skip_locked, of=("self",)).select_related("user")
             .filter(pk=agent_id).first())
    if agent is None:  # skip_locked: another transaction is working with this agent right now
        return []
    engine_agent = agent.to_engine()
    engine_agent.load = agent_load(agent)
    channels = [channel for channel in engine_agent.capacity
                if engine_agent.has_room(channel) and (only is None or channel in only)]
    if not channels:
        return []
    slots = 1
    if fill and len(channels) == 1:
        slots = engine_agent.capacity[channels[0]] - engine_agent.load.get(channels[0], 0)
    within_reach = _within_reach_of(agent.user)
    if connection.vendor == "postgresql":
        found = claim_sql.ranked_candidates(engine_agent, channels, policy, now, within_reach, CANDIDATES_PER_QUEUE)
    else:
        found = _candidates(engine_agent, channels, policy, now, within_reach)
    eligible = []
    for contact in found:
        waited = (now - contact.arrival).total_seconds()
        rings = policy.ladder(contact.requirement_for_engine())
        # SQL narrowed the rows; the engine's own rule decides
        if rings[min(policy.step_at(waited), len(rings) - 1)].is_met_by(engine_agent):
            # within the policy's target first (if it has one), then the best score; ties to the earliest
            # arrival, then the lowest id, as in the engine
            eligible.append(((*policy.rank(contact.tier, contact.value, waited), contact.arrival, contact.pk), contact))
    eligible.sort(key=lambda pair: pair[0])
    offered = _reserve_first(agent, [contact for _key, contact in eligible], now, slots)
    if offered:
        enter_state([agent], Agent.State.BUSY, now)
    for contact in offered:
        contact.offered_to = agent
    return offered


def _reserve_first(agent: Agent, ranked: list[QueuedContact], now: dt.datetime, count: int) -> list[QueuedContact]:
    """The first `count` of `ranked` still waiting and not being reserved by another process, offered to the agent
    (their OFFERED events logged, its last assignment stamped), best first; fewer if others were taken meanwhile."""
    if not ranked:
        return []
    if connection.vendor == "postgresql":
        return claim_sql.reserve_first(agent.pk, [contact.pk for contact in ranked], now, count)
    offered = []
    for contact in ranked:
        if len(offered) == count:
            break
        locked = (
            QueuedContact.objects.select_for_update(skip_locked=True)
            .filter(pk=contact.pk, state=QueuedContact.State.WAITING)
            .first()
        )
        if locked is None:
            continue  # another process took it (or is taking it) meanwhile
        locked.state = QueuedContact.State.OFFERED
        locked.offered_to = agent
        locked.offered_at = now
        locked.save(update_fields=["state", "offered_to", "offered_at"])
        agent.last_assignment_at = now
        agent.save(update_fields=["last_assignment_at"])
        log_event(locked, ContactEvent.Kind.OFFERED, now, agent)
        offered.append(locked)
    return offered


def dispatch(contact: QueuedContact, policy: RoutingPolicy | None = None,
             now: dt.datetime | None = None) -> list[tuple[QueuedContact, Agent]]:
    """Push routing on the database path, for a channel that must be told where a contact goes (a call):
    the agents free for the contact's channel who meet its current ring, in the policy's agent choice
    (longest idle, fewest today, best proficiency, as in the engine), each claim their best contact by the
    engine's rule until `contact` is offered or none is left. An agent may take an older contact first:
    that is routing too. Returns every offer made, so the caller can connect each one; a voice contact goes
    only to agents with an extension to ring."""
    policy = policy or current_policy()
    now = now or timezone.now()
    offers = []
    for agent in _free_agents_in_choice_order(contact, policy, now):
        # an agent another transaction holds is passed over, not waited for: a caller may hold several agents'
        # locks until it commits (a webhook is one transaction), and waiting in choice order could deadlock
        offered = serialised(_claim, agent.pk, policy, now, (contact.channel,), True)
        offers += [(taken, agent) for taken in offered]
        if any(taken.pk == contact.pk for taken in offered):
            break
    return offers


def offer_to_free_agents(now: dt.datetime | None = None) -> list[tuple[QueuedContact, Agent]]:
    """Every agent with free slots claims the best waiting contacts for them: the worker's minute sweep, so that no
    contact waits while an agent is free (dispatch passes over agents other transactions hold at that moment)."""
    if not QueuedContact.objects.filter(state=QueuedContact.State.WAITING).exists():
        return []
    policy, now = current_policy(), now or timezone.now()
    offers = []
    for agent in Agent.objects.filter(state__in=(Agent.State.AVAILABLE, Agent.State.BUSY)).order_by("pk"):
        for channel in agent.capacity:
            offers += [(offered, agent) for offered in serialised(_claim, agent.pk, policy, now, (channel,), True,
                                                                 fill=True)]
    return offers


def dispatch_agent(agent: Agent, channel: str, now: dt.datetime | None = None) -> list[tuple[QueuedContact, Agent]]:
    """An agent just freed a slot of `channel` (or came on duty): the best waiting contacts they may take are offered
    to them, one for each free slot of the channel, as the engine fills an agent."""
    offered = serialised(_claim, agent.pk, current_policy(), now or timezone.now(), (channel,), fill=True)
    return [(contact, agent) for contact in offered]


def start_outbound(agent: Agent, customer: Customer, channel: str, party: str, external_id: str,
                   now: dt.datetime, **details) -> QueuedContact:
    """A contact the agent starts (click-to-dial): in the agent's hands from the start, holding a slot of the
    channel like an answered one, on the customer's timeline as outbound, and in the event log."""
    return serialised(_start_outbound, agent.pk, customer, channel, party, external_id, now, details)


def _start_outbound(agent_id, customer, channel, party, external_id, now, details) -> QueuedContact:
    agent = Agent.objects.select_for_update().select_related("user").get(pk=agent_id)
    engine_agent = agent.to_engine()
    engine_agent.load = agent_load(agent)
    if agent.state == Agent.State.AFTER_CALL_WORK:  # calling the customer back is wrapping up too
        engine_agent.state = AgentState.BUSY
    if not engine_agent.has_room(channel):
        raise ValidationError({"extension": _("The agent has no free %(channel)s line (on another contact?)")
                                            % {"channel": ContactChannel(channel).label}})
    contact = QueuedContact.objects.create(
        channel=channel, direction=Direction.OUTBOUND, state=QueuedContact.State.ASSIGNED,
        tier=routing_standing(customer)[0], customer=customer, party=party, external_id=external_id, arrival=now,
        offered_to=agent, offered_at=now)
    contact.interaction = _timeline_entry(contact, agent.user)
    contact.save(update_fields=["interaction"])
    enter_state([agent], Agent.State.BUSY, now)
    agent.last_assignment_at = now
    agent.save(update_fields=["last_assignment_at"])
    log_event(contact, ContactEvent.Kind.DIALLED, now, agent, **details)
    return contact


def _free_agents_in_choice_order(contact: QueuedContact, policy: RoutingPolicy, now: dt.datetime) -> list[Agent]:
    waited = (now - contact.arrival).total_seconds()
    rings = policy.ladder(contact.requirement_for_engine())
    ring = rings[min(policy.step_at(waited), len(rings) - 1)]
    agents = list(Agent.objects.filter(state__in=(Agent.State.AVAILABLE, Agent.State.BUSY)).select_related("user"))
    if contact.channel == ContactChannel.VOICE:
        agents = [agent for agent in agents if agent.extension]
    loads: dict[int, dict[str, int]] = defaultdict(dict)
    for agent_id, channel, count in (QueuedContact.objects.filter(offered_to__in=agents, state__in=QueuedContact.ACTIVE)
                                     .order_by().values_list("offered_to", "channel").annotate(Count("pk"))):
        loads[agent_id][channel] = count
    free = []
    for agent in agents:
        engine_agent = agent.to_engine()
        engine_agent.load = loads[agent.pk]
        if engine_agent.has_room(contact.channel) and ring.is_met_by(engine_agent):
            free.append(agent)
    free = _who_may_take(free, contact)
    never = dt.datetime.min.replace(tzinfo=dt.UTC)
    if policy.agent_choice == "fewest_today":
        day_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        today = dict(ContactEvent.objects.filter(kind=ContactEvent.Kind.OFFERED, at__gte=day_start,
                                                 agent__in=free).order_by().values_list("agent").annotate(n=Count("pk")))
        return sorted(free, key=lambda a: (today.get(a.pk, 0), a.last_assignment_at or never, a.pk))
    if policy.agent_choice == "best_proficiency":
        wanted = [skill for skill, _level in ring.skills]
        return sorted(free, key=lambda a: (-sum(a.skills.get(s, 0) for s in wanted), a.last_assignment_at or never,
                                           a.pk))
    return sorted(free, key=lambda a: (a.last_assignment_at or never, a.pk))


def enqueue_contact(
    channel: str,
    requirement: dict | None = None,
    tier: str | None = None,
    value: float | None = None,
    arrival: dt.datetime | None = None,
    policy: RoutingPolicy | None = None,
    customer: Customer | None = None,
    external_id: str = "",
    party: str = "",
    claimed_customer: Customer | None = None,
) -> QueuedContact:
    """Put a contact in the queue, from `customer` (None: an unknown party), validated with the engine's own
    rules: a contact channel, proficiencies 1-5, and a customer tier the policy knows, since a contact of
    another tier would never be claimed.

    A known customer's contact takes the customer's routing standing (`routing_standing`: `tier` may be left
    out, or must agree; `value` left out is their lifetime value); an unknown party's is `tier`, standard if
    not given.

    A contact no agent on the roster (whatever their state: one on a break comes back) could serve even
    at the policy's widest ring would wait for ever; it is reported and falls back as the policy says,
    as the in-memory engine does (see `_apply_fallback`).
    """
    policy = policy or current_policy()
    if channel not in ContactChannel.values:
        raise ValidationError({"channel": _("“%(channel)s” is not a contact channel (%(channels)s)")
                                          % {"channel": channel, "channels": ", ".join(ContactChannel.values)}})
    if customer is not None:
        served_as, lifetime_value = routing_standing(customer)
        if tier is not None and tier != served_as:
            raise ValidationError({"tier": _("A known customer's contact takes the customer's tier (%(tier)s), "
                                             "not “%(asked)s”") % {"tier": served_as, "asked": tier}})
        tier = served_as
        value = lifetime_value if value is None else value
    tier = Tier.STANDARD if tier is None else tier
    value = 0.0 if value is None else value
    if tier not in Tier.values:
        raise ValidationError({"tier": _("“%(tier)s” is not a customer tier (%(tiers)s)")
                                       % {"tier": tier, "tiers": ", ".join(Tier.values)}})
    if tier not in policy.tier_priority:
        raise ValidationError({"tier": _("“%(tier)s” is not a tier of the routing policy (%(tiers)s)")
                                       % {"tier": tier, "tiers": ", ".join(policy.tier_priority)}})
    contact = QueuedContact(channel=channel, requirement=checked_requirement(channel, requirement), tier=tier,
                            value=value, arrival=arrival or timezone.now(), customer=customer,
                            external_id=external_id, party=party, claimed_customer=claimed_customer)
    _apply_fallback(contact, policy, _roster_meets())
    contact.save()
    log_event(contact, ContactEvent.Kind.QUEUED, contact.arrival)
    return contact


def routing_standing(customer: Customer) -> tuple[str, float]:
    """The tier and value a customer's contacts are routed by: the higher of the tier given to the customer and
    the one the value pyramid earns them (a VIP by profit waits like a VIP; the pyramid never lowers a tier given
    by hand), and their lifetime value (0 if not scored), which a policy's `value_weight` turns into priority
    within a tier. Read from the scores' own table (analytics), never written onto the customer."""
    by_pyramid, lifetime_value = analytics_latest.standing(customer.pk)
    tiers = list(Tier.values)  # best first
    tier = min((customer.tier, by_pyramid or Tier.STANDARD), key=tiers.index)
    return tier, lifetime_value or 0.0


def log_event(contact: QueuedContact, kind: str, at: dt.datetime, agent: Agent | None = None, **data) -> ContactEvent:
    """One line of the contact's event log (models.ContactEvent), which the KPIs are counted from."""
    return ContactEvent.objects.create(contact=contact, kind=kind, at=at, agent=agent, data=data)


def checked_requirement(channel: str, requirement: Any) -> dict:
    """The requirement as stored: only what it asks ({"skills": {...}, "language": ..., "region": ...}), checked
    with the engine's own rules, so that the claim can read it in SQL."""
    requirement = {} if requirement is None else requirement
    if not isinstance(requirement, dict):
        raise ValidationError({"requirement": _("must be an object with skills, language and region")})
    unknown = sorted(set(requirement) - _REQUIREMENT_FIELDS)
    if unknown:
        raise ValidationError({"requirement": _("unknown fields: %(fields)s (allowed: language, region, skills)")
                                              % {"fields": ", ".join(map(str, unknown))}})
    stored = {key: requirement[key] for key in ("skills", "language", "region") if requirement.get(key)}
    try:
        if not isinstance(stored.get("skills", {}), dict):
            raise ValueError(f"skills must map each skill to a proficiency, got {stored['skills']!r}")
        for key in ("language", "region"):
            if key in stored and not isinstance(stored[key], str):
                raise ValueError(f"{key} must be a name, got {stored[key]!r}")
        Contact(id="new", channel=channel, arrival=0.0, skills=stored.get("skills", {}))
    except (ValueError, TypeError) as exc:
        raise ValidationError({"requirement": str(exc)}) from exc
    return stored


def report_unroutable(policy: RoutingPolicy | None = None) -> list[QueuedContact]:
    """Every contact that no agent could serve, oldest first, with why and what the fallback did.

    Checks the waiting queue against today's roster first: a contact someone could serve when it was
    queued may have lost its last possible agent since (skills edited, agent removed), and must not sit
    in the queue unseen. Run it after roster changes or periodically, like `release_expired_offers`.
    """
    policy = policy or current_policy()
    serialised(_sweep_unroutable, policy)
    return list(QueuedContact.objects.exclude(unroutable_reason="").order_by("arrival", "pk"))


def _sweep_unroutable(policy: RoutingPolicy) -> None:
    anyone_meets = _roster_meets()
    waiting = QueuedContact.objects.select_for_update(skip_locked=True).filter(state=QueuedContact.State.WAITING)
    for contact in waiting:
        before = (contact.state, contact.fallback)
        _apply_fallback(contact, policy, anyone_meets)
        if (contact.state, contact.fallback) != before:
            contact.save(update_fields=["state", "requirement", "unroutable_reason", "fallback"])


def _roster_meets():
    """Whether any agent, on duty or not (one on a break comes back), meets a requirement, in the engine's
    terms (`Requirement.is_met_by`). Remembered per requirement: a sweep asks the same few many times.

    Asked on every arrival: the agents are read and made into the engine's agents only as far as the first
    who meets the requirement, each distinct profile (skills, languages, regions, capacity) once (with 1,000
    agents, 70 ms an arrival when each was made, 27 ms when every distinct profile was)."""
    # read in chunks, as far as needed: the first few agents usually serve a contact
    rows = Agent.objects.order_by().values_list("skills", "languages", "regions", "capacity").iterator(chunk_size=64)
    roster: list = []  # the engine's agents made so far, one per distinct profile
    profiles: set[str] = set()
    known: dict = {}

    def anyone_made_so_far_meets(need) -> bool:
        return any(need.is_met_by(agent) for agent in roster)

    def next_who_meets(need) -> bool:
        for skills, languages, regions, capacity in rows:
            profile = json.dumps([skills, languages, regions, capacity], sort_keys=True)
            if profile in profiles:
                continue
            profiles.add(profile)
            roster.append(Agent(skills=skills, languages=languages, regions=regions, capacity=capacity).to_engine())
            if need.is_met_by(roster[-1]):
                return True
        return False

    def anyone_meets(need) -> bool:
        if need not in known:
            known[need] = anyone_made_so_far_meets(need) or next_who_meets(need)
        return known[need]

    return anyone_meets


def _apply_fallback(contact: QueuedContact, policy: RoutingPolicy, anyone_meets) -> None:
    """The policy decides (RoutingPolicy.fallback_for, the engine's own rule); this only writes it on the row."""
    decision = policy.fallback_for(contact.requirement_for_engine(), anyone_meets)
    if decision is None:
        return
    reason = decision.reason
    if contact.unroutable_reason:  # already rerouted once: keep the first reason, say why it failed again
        reason = f"{contact.unroutable_reason}; after {contact.fallback}: {reason}"
    contact.unroutable_reason = reason
    contact.fallback = decision.action
    if decision.requirement is None:
        contact.state = QueuedContact.State.VOICEMAIL
    else:
        contact.requirement = {"skills": dict(decision.requirement.skills)}


def accept_offer(agent: Agent, contact_id: int, policy: RoutingPolicy | None = None,
                 now: dt.datetime | None = None) -> QueuedContact:
    """The agent answers the contact offered to it; a known customer's contact becomes an entry of the
    customer's timeline (`QueuedContact.interaction`), written as the agent.

    Refused, as in the engine, once the policy's reservation timeout has passed: the offer is released
    then (the contact back in the queue, the agent on break, as `release_expired_offers` would have
    done), so the contact goes to someone present. Not when a channel reports the answer as a fact
    (a call a PBX rings at the extension, `QueuedContact.rings_at_the_pbx`: picked up however long it rang).
    """
    policy = policy or current_policy()
    now = now or timezone.now()
    outcome = serialised(_accept, agent.pk, contact_id, policy, now)
    if outcome == "expired":
        raise ValidationError({"contact": _("The offer of contact %(id)s expired (not answered within %(seconds)s s): "
                                            "it went back to the queue")
                                          % {"id": contact_id, "seconds": f"{policy.reservation_timeout_seconds:g}"}})
    if outcome is None:
        raise ValidationError({"contact": _("Contact %(id)s has no pending offer to this agent") % {"id": contact_id}})
    return outcome


def _accept(agent_id: int, contact_id: int, policy: RoutingPolicy, now: dt.datetime):
    lock_agents(agent_id)
    pending = QueuedContact.objects.filter(pk=contact_id, offered_to_id=agent_id, state=QueuedContact.State.OFFERED)
    contact = pending.select_for_update().select_related("offered_to__user").first()
    if contact is None:
        return None
    if (not contact.rings_at_the_pbx and contact.offered_at is not None
            and contact.offered_at <= _expiry_cutoff(policy, now)):
        _release_offers(pending, now)
        return "expired"
    contact.state = QueuedContact.State.ASSIGNED
    if contact.customer_id is not None and contact.interaction_id is None:
        contact.interaction = _timeline_entry(contact, contact.offered_to.user)
    contact.save(update_fields=["state", "interaction"])
    log_event(contact, ContactEvent.Kind.ANSWERED, now, contact.offered_to)
    return contact


def complete_contact(agent: Agent, contact_id: int, summary: str = "", now: dt.datetime | None = None,
                     after_call_work: bool = False) -> None:
    """The agent is done: the slot frees up (the contact is never offered again); idle again, it is available,
    or, for a call the caller ended (`after_call_work`), in after-call work first (`hold_for_after_call_work`).

    `summary` (the agent's notes) goes on the customer's timeline entry; a customer identified during the
    contact gets the entry now if answering did not write one.
    """
    if not serialised(complete_locked, agent.pk, contact_id, summary, now or timezone.now(), after_call_work):
        raise ValidationError({"contact": _("Contact %(id)s is not being handled by this agent") % {"id": contact_id}})


def complete_locked(agent_id: int, contact_id: int, summary: str, now: dt.datetime,
                    after_call_work: bool = False) -> bool:
    agent = Agent.objects.select_for_update().select_related("user").get(pk=agent_id)
    active = QueuedContact.objects.filter(offered_to=agent, state__in=QueuedContact.ACTIVE)
    contact = active.filter(pk=contact_id).first()
    if contact is None:
        return False
    contact.state = QueuedContact.State.DONE
    contact.ended_at = now
    if contact.customer_id is not None:
        if contact.interaction_id is None:
            contact.interaction = _timeline_entry(contact, agent.user, summary)
        elif summary:
            customer_services.update_interaction(agent.user, contact.interaction_id, {"summary": summary})
    contact.save(update_fields=["state", "interaction", "ended_at"])
    log_event(contact, ContactEvent.Kind.COMPLETED, now, agent)
    if after_call_work and settings.GUANXI_AFTER_CALL_WORK_SECONDS > 0:
        hold_for_after_call_work(agent, now)
    else:
        free_if_idle(agent, now)
    return True


def hold_for_after_call_work(agent: Agent, now: dt.datetime) -> None:
    """The caller hung up: with nothing else in hand the agent gets GUANXI_AFTER_CALL_WORK_SECONDS to finish the
    notes and wrap-up before the next call is put through (ended by their Done, their "Available", or
    `end_overdue_after_call_work`); an agent still on other contacts stays busy with them."""
    if agent.state == Agent.State.BUSY and not QueuedContact.objects.filter(
            offered_to=agent, state__in=QueuedContact.ACTIVE).exists():
        enter_state([agent], Agent.State.AFTER_CALL_WORK, now)


def after_call_work_ends(agent: Agent) -> dt.datetime | None:
    """When the agent's after-call work runs out (None when they are not in it)."""
    if agent.state != Agent.State.AFTER_CALL_WORK or agent.state_since is None:
        return None
    return agent.state_since + dt.timedelta(seconds=settings.GUANXI_AFTER_CALL_WORK_SECONDS)


def end_after_call_work(agent_id: int, now: dt.datetime, entered_by: dt.datetime | None = None) -> bool:
    """The agent is available again if still in after-call work (entered by `entered_by`, if given: not a new
    round of it begun since it was found overdue); True if so. The caller holds no lock."""
    def end() -> bool:
        agents = lock_agents(agent_id)
        if not agents or agents[0].state != Agent.State.AFTER_CALL_WORK:
            return False
        if entered_by is not None and agents[0].state_since > entered_by:
            return False
        enter_state(agents, Agent.State.AVAILABLE, now)
        return True
    return serialised(end)


def end_overdue_after_call_work(now: dt.datetime | None = None) -> int:
    """Agents whose after-call work ran out become available (the worker's minute job, then offers them the
    waiting contacts): the desktop ends it on time itself, this catches a desktop that was closed."""
    now = now or timezone.now()
    cutoff = now - dt.timedelta(seconds=settings.GUANXI_AFTER_CALL_WORK_SECONDS)
    overdue = Agent.objects.filter(state=Agent.State.AFTER_CALL_WORK, state_since__lte=cutoff)
    return sum(end_after_call_work(agent_id, now, cutoff) for agent_id in overdue.values_list("pk", flat=True))


def identify_party(agent: Agent, contact_id: int, customer_id: int) -> QueuedContact:
    """The agent has checked who an unknown party is (a web chat visitor who says who they are, a caller from a
    number no single customer has): the contact becomes that customer's, and once answered it is on their
    timeline. Only for a contact the agent holds and a customer the agent may see; a contact already someone's
    is refused (a wrong match is mended on the timeline, not here)."""
    with transaction.atomic():
        contact = (QueuedContact.objects.select_for_update()
                   .filter(pk=contact_id, offered_to=agent, state__in=QueuedContact.ACTIVE).first())
        if contact is None:
            raise ValidationError({"contact": _("Only a contact you are handling can be tied to a customer")})
        if contact.customer_id is not None:
            raise ValidationError({"customer": _("This contact is already a known customer's")})
        contact.customer = customer_services.get_customer(agent.user, customer_id)
        customer_services.refuse_if_erased(contact.customer)
        contact.claimed_customer = None
        if contact.state == QueuedContact.State.ASSIGNED:
            contact.interaction = _timeline_entry(contact, agent.user)
        contact.save(update_fields=["customer", "claimed_customer", "interaction"])
    return contact


def free_if_idle(agent: Agent, now: dt.datetime | None = None) -> None:
    """A busy agent with no contact left in hand is available again (the caller holds the agent's row lock)."""
    if agent.state == Agent.State.BUSY and not QueuedContact.objects.filter(
            offered_to=agent, state__in=QueuedContact.ACTIVE).exists():
        enter_state([agent], Agent.State.AVAILABLE, now or timezone.now())


def enter_state(agents: Iterable[Agent], state: str, now: dt.datetime) -> None:
    """The one way an agent's state changes, so that the state log (models.AgentStateChange), which occupancy
    and utilisation are counted from, misses no change. An agent already in `state` is left alone: its time in
    state runs on. The caller holds the agents' row locks (`lock_agents`), so `agent.state` is the state left."""
    moving = [agent for agent in agents if agent.state != state]
    if not moving:
        return
    for agent in moving:
        agent.state, agent.state_since = state, now
    Agent.objects.filter(pk__in=[agent.pk for agent in moving]).update(state=state, state_since=now)
    AgentStateChange.objects.bulk_create(AgentStateChange(agent=agent, state=state, at=now) for agent in moving)


# A skill is a word a contact's requirement, a policy and the CTI's "skill" name: no spaces or punctuation to
# mistype, in any script ("warranty", "保险").
SKILL_NAME = re.compile(r"^[\w-]{1,40}\Z")


def set_agent_skills(user, agent_id: int, skills: Any,
                     now: dt.datetime | None = None) -> list[tuple[QueuedContact, Agent]]:
    """A supervisor sets an agent's skills ({name: proficiency 1-5}), refused as the admin refuses them
    (`Agent.clean`, the engine's own rules). A roster change: the waiting contacts nobody can serve any more fall
    back as the policy says (as `report_unroutable` would), and an agent on duty is offered at once what they may
    take now (returned, so the channels can be told)."""
    require(user, "contact_center.agent", "change")
    if not isinstance(skills, dict):
        raise ValidationError({"skills": _("must map each skill to a proficiency from 1 to 5")})
    misnamed = sorted(str(name) for name in skills if not isinstance(name, str) or not SKILL_NAME.match(name))
    if misnamed:
        raise ValidationError({"skills": _("A skill is one word of letters, digits, _ or - (at most 40): %(names)s")
                                         % {"names": ", ".join(misnamed)}})
    agent = serialised(_set_skills, agent_id, skills)
    serialised(_sweep_unroutable, current_policy())
    if agent.state not in (Agent.State.AVAILABLE, Agent.State.BUSY):
        return []
    return [offer for channel in agent.capacity for offer in dispatch_agent(agent, channel, now)]


def _set_skills(agent_id: int, skills: dict) -> Agent:
    agent = Agent.objects.select_for_update().get(pk=agent_id)
    agent.skills = skills
    agent.clean()
    agent.save(update_fields=["skills"])
    return agent


def _timeline_entry(contact: QueuedContact, user, summary: str = "") -> Interaction:
    """The contact on its customer's timeline, written through the customers' service as the agent (their
    scope and permissions apply, and the change is audited and announced like any other)."""
    return customer_services.add_interaction(user, contact.customer_id, {
        "channel": timeline_channel(contact.channel),
        "direction": contact.direction,
        "occurred_at": contact.arrival,
        "subject": _("Contact center: %(channel)s") % {"channel": contact.get_channel_display()},
        "summary": summary,
    })


SETTABLE_STATES = (Agent.State.AVAILABLE, Agent.State.BREAK, Agent.State.OFFLINE)


def set_agent_state(agent: Agent, state: str, now: dt.datetime | None = None) -> list[tuple[QueuedContact, Agent]]:
    """The agent's own state button. Available: the best waiting contacts the agent may take are offered at
    once (returned, so the channels can be told); with contacts still in hand the agent stays busy until they
    are done. Break: no new contact, those in hand are finished. Offline: only with nothing in hand."""
    if state not in SETTABLE_STATES:
        raise ValidationError({"state": _("An agent sets themselves available, on a break or offline")})
    now = now or timezone.now()
    channels = serialised(_set_state, agent.pk, state, now)
    return [offer for channel in channels for offer in dispatch_agent(agent, channel, now)]


def _set_state(agent_id: int, state: str, now: dt.datetime) -> list[str]:
    agent = Agent.objects.select_for_update().get(pk=agent_id)
    in_hand = QueuedContact.objects.filter(offered_to=agent, state__in=QueuedContact.ACTIVE).exists()
    if state == Agent.State.OFFLINE and in_hand:
        raise ValidationError({"state": _("Finish the contacts in hand before going offline")})
    enter_state([agent], Agent.State.BUSY if state == Agent.State.AVAILABLE and in_hand else state, now)
    return list(agent.capacity) if state == Agent.State.AVAILABLE else []


def decline_offer(agent: Agent, contact_id: int, now: dt.datetime | None = None) -> list[tuple[QueuedContact, Agent]]:
    """The agent turns an offer down: the contact goes back to the queue and on to someone else (the offers made
    are returned), and the agent goes on a break, as when an offer lapses, until they say they are available."""
    now = now or timezone.now()
    contact = serialised(_decline, agent.pk, contact_id, now)
    if contact is None:
        raise ValidationError({"contact": _("Contact %(id)s has no pending offer to this agent") % {"id": contact_id}})
    return dispatch(contact, now=now)


def _decline(agent_id: int, contact_id: int, now: dt.datetime):
    agents = lock_agents(agent_id)
    contact = (QueuedContact.objects.select_for_update()
               .filter(pk=contact_id, offered_to_id=agent_id, state=QueuedContact.State.OFFERED).first())
    if contact is None:
        return None
    contact.state, contact.offered_to, contact.offered_at = QueuedContact.State.WAITING, None, None
    contact.save(update_fields=["state", "offered_to", "offered_at"])
    enter_state(agents, Agent.State.BREAK, now)
    log_event(contact, ContactEvent.Kind.DECLINED, now, Agent(pk=agent_id))
    return contact


def release_expired_offers(policy: RoutingPolicy | None = None, now: dt.datetime | None = None) -> int:
    """Offers not answered within the policy's reservation timeout go back to the queue, and the agents
    who let them lapse go on break, as in the engine: each contact is offered at once to someone present on
    its channel. How many were released. A call a PBX rings at an extension is left alone: the PBX's ring
    time decides, and it says so (voice.call_missed)."""
    policy = policy or current_policy()
    now = now or timezone.now()
    lapsed = (QueuedContact.objects.filter(offered_at__lte=_expiry_cutoff(policy, now))
              .exclude(QueuedContact.RINGING_AT_THE_PBX))
    released = serialised(_release_offers, lapsed, now)
    for contact in QueuedContact.objects.filter(pk__in=released, state=QueuedContact.State.WAITING):
        dispatch(contact, policy, now)
    return len(released)


def release_offer(contact: QueuedContact, now: dt.datetime) -> None:
    """One offer released as if it had lapsed (the channel says it went unanswered)."""
    serialised(_release_offers, QueuedContact.objects.filter(pk=contact.pk), now)


def lock_agents(*agent_ids) -> list[Agent]:
    """Row locks on agents, always taken before any contact's and in id order, by every operation that locks both:
    two operations never wait for each other's rows in opposite orders (no deadlock on PostgreSQL)."""
    return list(Agent.objects.select_for_update().filter(pk__in=[pk for pk in agent_ids if pk]).order_by("pk"))


def locked_with_its_agent(rows: QuerySet, *other_agent_ids) -> QueuedContact | None:
    """The one contact of `rows` locked after the row of the agent who has it (and of `other_agent_ids`), in
    the lock order of `lock_agents`; read again if it changed hands between the two. None if it keeps changing
    hands (the caller says so); the caller makes sure the contact exists."""
    for _attempt in range(5):
        holder = rows.values_list("offered_to_id", flat=True).first()
        lock_agents(holder, *other_agent_ids)
        contact = rows.select_for_update(of=("self",)).select_related("offered_to").first()
        if contact is not None and contact.offered_to_id == holder:
            return contact
    return None


def abandon(contact: QueuedContact, at: dt.datetime) -> Agent | None:
    """The party went before an agent answered (a caller hung up, a chat visitor closed the page): the contact
    leaves the queue as abandoned, and an agent it was being offered to is free again. Returns that agent, to
    be offered the next contact. The caller holds the agent's and the contact's row locks (`locked_with_its_agent`)."""
    freed = contact.offered_to
    contact.state, contact.ended_at, contact.offered_to, contact.offered_at = (
        QueuedContact.State.ABANDONED, at, None, None)
    contact.save(update_fields=["state", "ended_at", "offered_to", "offered_at"])
    log_event(contact, ContactEvent.Kind.ABANDONED, at, freed)
    if freed is not None:
        free_if_idle(freed, at)
    return freed


def take_over(agent: Agent, contact: QueuedContact, now: dt.datetime) -> None:
    """`agent` has the contact from now on (a transfer to them): refused unless they are on duty with room for
    its channel. The caller holds the agents' and then the contact's row locks (`lock_agents`)."""
    agent = Agent.objects.get(pk=agent.pk)
    engine_agent = agent.to_engine()
    engine_agent.load = agent_load(agent)
    if agent.state == Agent.State.OFFLINE or not engine_agent.has_room(contact.channel):
        raise ValidationError({"extension": _("%(agent)s has no free %(channel)s line")
                                            % {"agent": agent, "channel": contact.get_channel_display()}})
    contact.offered_to, contact.offered_at = agent, now
    contact.save(update_fields=["offered_to", "offered_at"])
    enter_state([agent], Agent.State.BUSY, now)
    agent.last_assignment_at = now
    agent.save(update_fields=["last_assignment_at"])


def queue_position(contact: QueuedContact) -> int:
    """The contact's place among those waiting on its channel: higher tiers first, then by arrival."""
    policy = current_policy()
    ahead_tiers = [tier for tier, priority in policy.tier_priority.items()
                   if priority > policy.tier_priority.get(contact.tier, 0)]
    waiting = QueuedContact.objects.filter(channel=contact.channel, state=QueuedContact.State.WAITING)
    return 1 + waiting.filter(Q(tier__in=ahead_tiers) | Q(tier=contact.tier, arrival__lt=contact.arrival)).count()


def _expiry_cutoff(policy: RoutingPolicy, now: dt.datetime) -> dt.datetime:
    """Offers made at or before this have expired (the engine's timer fires at offered + timeout)."""
    return now - dt.timedelta(seconds=policy.reservation_timeout_seconds)


def _release_offers(offers, now: dt.datetime) -> list[int]:
    """The offers back to the queue; the ids of the contacts released."""
    expired = offers.filter(state=QueuedContact.State.OFFERED)
    lock_agents(*expired.values_list("offered_to_id", flat=True))
    lapsed = list(expired.select_for_update().values_list("pk", "offered_to_id"))
    # read again under the lock (already held, unless an offer changed hands between the two reads)
    enter_state(lock_agents(*{agent_id for _pk, agent_id in lapsed}), Agent.State.BREAK, now)
    ContactEvent.objects.bulk_create(ContactEvent(contact_id=pk, kind=ContactEvent.Kind.EXPIRED, at=now,
                                                  agent_id=agent_id) for pk, agent_id in lapsed)
    QueuedContact.objects.filter(pk__in=[pk for pk, _agent in lapsed]).update(
        state=QueuedContact.State.WAITING, offered_to=None, offered_at=None)
    return [pk for pk, _agent in lapsed]


def agent_load(agent: Agent) -> dict[str, int]:
    load: dict[str, int] = {}
    for channel in agent.contacts.filter(state__in=QueuedContact.ACTIVE).values_list("channel", flat=True):
        load[channel] = load.get(channel, 0) + 1
    return load


def _within_reach_of(user) -> Q:
    """Contacts of no known customer or of a customer the agent's user may open: a dealer's own agents
    are never offered a caller whose record they could not open (the call center's agents see everyone)."""
    if sees_everything(user):
        return Q()
    return Q(customer__isnull=True) | Q(customer__in=Customer.objects.restrict(user).values("pk"))


def _who_may_take(agents: list[Agent], contact: QueuedContact) -> list[Agent]:
    """The agents who may be offered the contact, by the claim's own rule (`_within_reach_of`): one query per
    distinct scope among them (a dealer's agents share one), not one per agent, on the path of every call."""
    if contact.customer_id is None:
        return agents
    verdicts: dict = {}
    for agent in agents:
        scope = reach_key(agent.user, Customer.permission_key, "view")
        if scope not in verdicts:
            verdicts[scope] = QueuedContact.objects.filter(_within_reach_of(agent.user), pk=contact.pk).exists()
    return [agent for agent in agents if verdicts[reach_key(agent.user, Customer.permission_key, "view")]]


def _candidates(agent: EngineAgent, channels: list[str], policy: RoutingPolicy,
                now: dt.datetime, within_reach: Q) -> list[QueuedContact]:
    """The oldest waiting contacts the agent may take, per tier and channel with room (and, with a service-
    level target, the oldest of each still within it, who go before those past it).

    Within a tier the score grows with waiting time alone (value aside), so the oldest are the best;
    reading a bounded number per tier and channel keeps a claim cheap however long the queue, and since
    eligibility is narrowed in SQL, contacts this agent may not take never crowd out those it may. One
    query per group: the path of SQLite, whose single writer bounds the claims anyway (PostgreSQL's is
    claim_sql's one statement, ranked by the database).
    """
    asked, eligible = _eligible_for(agent, policy, now)
    waiting = QueuedContact.objects.alias(**asked).filter(eligible, within_reach, state=QueuedContact.State.WAITING)
    target = policy.service_level_target_seconds
    groups = []
    for tier in policy.tier_priority:
        for channel in channels:
            oldest = waiting.filter(tier=tier, channel=channel).order_by("arrival", "pk")
            groups.append(oldest[:CANDIDATES_PER_QUEUE])
            if target is not None:
                in_time = oldest.filter(arrival__gt=now - dt.timedelta(seconds=target))
                groups.append(in_time[:CANDIDATES_PER_QUEUE])
    rows: dict[int, QueuedContact] = {}
    for row in (row for group in groups for row in group):
        rows.setdefault(row.pk, row)
    return list(rows.values())


def _eligible_for(agent: EngineAgent, policy: RoutingPolicy, now: dt.datetime) -> tuple[dict, Q]:
    """The contacts whose requirement the agent meets at the ring their waiting time puts them in: the engine's
    `Requirement.is_met_by` in SQL (channel aside: the caller filters on the channels with room). Returns the
    aliases the clauses use (the level asked of each of the agent's skills) and the clauses.

    The rings only ever relax (ExpansionStep.relax on the ring before), so each part of the requirement is met
    from some waiting time on: the language from the step that drops it, a skill level above the agent's from
    the step whose proficiency cap comes down to it or that drops the skill. A contact is eligible when every
    part is, at its own waiting time: one clause per part, not one per ring. The claim still checks each row
    with the engine's own rule, which stays the one definition.
    """
    def waited_since(step_index: int | None) -> Q | None:
        """Contacts that have waited at least until `step_index`'s ring (None: never relaxed)."""
        if step_index is None:
            return None
        after = policy.expansion_steps[step_index].after_seconds
        return Q(arrival__lte=now - dt.timedelta(seconds=after))

    def first_step(test) -> int | None:
        """The first expansion step `test(index, step)` holds for (they only relax, so it holds after it too)."""
        return next((i for i, step in enumerate(policy.expansion_steps) if test(i, step)), None)

    def either(condition: Q, relaxed: Q | None) -> Q:
        return condition if relaxed is None else condition | relaxed

    steps = policy.expansion_steps
    language_dropped = waited_since(first_step(lambda _i, s: s.drop_language))
    region_dropped = waited_since(first_step(lambda _i, s: s.drop_region))
    eligible = either(_absent_or_in("language", agent.languages), language_dropped)
    eligible &= either(_absent_or_in("region", agent.regions), region_dropped)
    # every skill asked is one the agent has, or one dropped by the ring the contact is in (as asked, or from
    # each step that drops skills on: what an earlier era accepts, a later one accepts too)
    held, dropped = set(agent.skills), set()
    eras = [Q(_SkillsWithin(held))]
    for i, step in enumerate(steps):
        if step.drop_skills:
            dropped |= step.drop_skills
            eras.append(Q(_SkillsWithin(held | dropped)) & waited_since(i))
    eligible &= functools.reduce(operator.or_, eras)
    # each skill the agent has: asked at most at its level, or capped down to it, or dropped
    levels = [(f"_asked_{i}", skill, agent.skills[skill]) for i, skill in enumerate(sorted(agent.skills))]
    caps = list(itertools.accumulate((step.min_proficiency or MAX_PROFICIENCY for step in steps), min))
    for alias, skill, level in levels:
        if level < MAX_PROFICIENCY:
            met = first_step(lambda i, s, skill=skill, level=level: caps[i] <= level or skill in s.drop_skills)
            eligible &= either(Q(**{f"{alias}__lte": level}) | Q(**{f"{alias}__isnull": True}), waited_since(met))
    return {alias: KeyTransform(skill, KeyTransform("skills", "requirement")) for alias, skill, _ in levels}, eligible


def _absent_or_in(key: str, values: frozenset[str]) -> Q:
    """The requirement asks nothing of `key` (absent or null), or something in `values`."""
    either = Q(**{f"requirement__{key}__isnull": True}) | Q(**{f"requirement__{key}": None})
    return either | Q(**{f"requirement__{key}__in": sorted(values)}) if values else either


class _SkillsWithin(Func):
    """True when every skill the requirement names is among `names` (levels aside): the requirement's skills
    object with those keys removed is empty. Other databases than PostgreSQL and SQLite: no narrowing."""

    output_field = BooleanField()

    def __init__(self, names):
        super().__init__(F("requirement"))
        self.names = sorted(names)

    def as_sql(self, compiler, connection, **extra_context):
        return "1 = 1", []

    def as_postgresql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        return (f"(CASE WHEN jsonb_typeof({column} -> 'skills') = 'object' "
                f"THEN ({column} -> 'skills') - %s::text[] = '{{}}'::jsonb ELSE TRUE END)",
                [*params, *params, self.names])

    def as_sqlite(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        paths = "".join(", %s" for _name in self.names)
        return (f"(CASE WHEN json_type({column}, '$.skills') = 'object' "
                f"THEN json_remove(json_extract({column}, '$.skills'){paths}) = '{{}}' ELSE 1 END)",
                [*params, *params, *(f"$.{json.dumps(name)}" for name in self.names)])
