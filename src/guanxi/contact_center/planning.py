"""Staffing plans and simulations: Erlang C / Erlang A per interval and the routing simulator, with every input
checked and the work bounded before it starts, so a request cannot hold a server worker (what the staffing page,
the API, the CLI and the routing policy's dry run call). Bad input is a ValidationError naming the field."""

from __future__ import annotations

import math
import time
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from guanxi.contact_center import erlang
from guanxi.contact_center.policies import default_policy
from guanxi.contact_center.routing import RoutingPolicy
from guanxi.contact_center.simulator import Arrival, Scenario, simulate

# ---- staffing ------------------------------------------------------------------------------------

MAX_INTERVALS = 7 * 96  # a week of 15-minute intervals
MAX_VOLUME = 100_000  # contacts in one interval
MIN_INTERVAL_MINUTES = 1
MIN_OCCUPANCY = 0.01  # a cap below 1% busy is no plan: it would ask for 100 agents per Erlang
# Bounded work. Each Erlang evaluation costs in proportion to the agents it considers (about
# 0.6 us each for Erlang C, 2 us for Erlang A here), so a plan's cost is estimated before any
# work as the agents its intervals start from, and refused above the budget; a wall-clock budget
# covers what the estimate cannot see (Erlang A walking up when callers have little patience).
MAX_AGENTS_PER_INTERVAL = 20_000
MAX_PLAN_AGENTS = 1_000_000  # summed over the intervals
STAFFING_BUDGET_SECONDS = 1.0


def staffing_plan(
    volumes: list[float],
    interval_minutes: float = 30,
    aht_seconds: float = 180,
    target_answer_seconds: float = 20,
    target_service_level: float = 0.8,
    max_occupancy: float = 1.0,
    shrinkage: float = 0.0,
    patience_seconds: float | None = None,
) -> list[dict[str, Any]]:
    """Agents needed in each interval: Erlang C, or Erlang A when a mean patience is given.

    Each row: volume, traffic (Erlang), agents (on the phones), scheduled_agents (after shrinkage),
    service_level, p_wait, asa_seconds, occupancy, abandonment (0 under Erlang C).
    """
    _check_list("volumes", volumes, MAX_INTERVALS, MAX_VOLUME)
    _check_number("interval_minutes", interval_minutes, low=MIN_INTERVAL_MINUTES, high=24 * 60)
    _check_number("aht_seconds", aht_seconds, low=0, high=24 * 3600, low_open=True)
    _check_number("target_answer_seconds", target_answer_seconds, low=0, high=24 * 3600)
    _check_number("target_service_level", target_service_level, low=0, high=1, high_open=True)
    _check_number("max_occupancy", max_occupancy, low=MIN_OCCUPANCY, high=1)
    _check_number("shrinkage", shrinkage, low=0, high=1, high_open=True)
    if patience_seconds is not None:
        _check_number("patience_seconds", patience_seconds, low=0, high=24 * 3600, low_open=True)
    interval_seconds = interval_minutes * 60.0
    _check_plan_size(volumes, interval_seconds, aht_seconds, max_occupancy)
    deadline = time.monotonic() + STAFFING_BUDGET_SECONDS
    rows = []
    for volume in volumes:
        rows.append(_interval(volume, interval_seconds, aht_seconds, target_answer_seconds, target_service_level,
                              max_occupancy, shrinkage, patience_seconds, deadline))
    return rows


def _fewest_agents_erlang_a(start, traffic, aht, patience, target, goal, max_occupancy, deadline):
    """The fewest agents meeting the goal under Erlang A, with that Erlang A result.

    Starts from Erlang C's answer. Usually fewer agents do (callers who hang up shorten the
    queue), but Erlang A counts abandoned callers as missed, so with little patience and a high
    goal it can need more. The service level grows and the occupancy falls with every agent
    added, so the answer is found by widening steps up, then halving: a few dozen evaluations
    where walking one agent at a time took thousands (7 s for 20,000 calls of 1 s patience).
    Above 2 x Erlang C + 100 agents the goal counts as out of reach and the row shows what
    that many achieve.
    """

    def meets(agents):
        _within_budget(deadline)
        result = erlang.erlang_a(agents, traffic, aht, patience, target)
        return result.service_level >= goal and result.occupancy <= max_occupancy, result

    ceiling = 2 * start + 100
    failing, agents = 0, start
    enough, result = meets(agents)
    step = 1
    while not enough and agents < ceiling:
        failing, agents, step = agents, min(ceiling, agents + step), step * 2
        enough, result = meets(agents)
    if not enough:
        return agents, result
    while agents - failing > 1:
        middle = (failing + agents) // 2
        middle_enough, middle_result = meets(middle)
        if middle_enough:
            agents, result = middle, middle_result
        else:
            failing = middle
    return agents, result


def _check_plan_size(volumes, interval_seconds: float, aht_seconds: float, max_occupancy: float) -> None:
    """Refuses, before any work, a plan larger than a request may compute (see MAX_PLAN_AGENTS)."""
    total = 0
    for i, volume in enumerate(volumes):
        agents = math.ceil(erlang.offered_traffic(volume, interval_seconds, aht_seconds) / max_occupancy)
        if agents > MAX_AGENTS_PER_INTERVAL:
            raise ValidationError({f"volumes[{i}]": f"needs over {MAX_AGENTS_PER_INTERVAL:,} agents in one interval "
                                                    f"(about {agents:,}); check the volume and the handle time"})
        total += agents
    if total > MAX_PLAN_AGENTS:
        raise ValidationError({"volumes": f"too large to plan at once (about {total:,} agent-intervals, at most "
                                          f"{MAX_PLAN_AGENTS:,}): plan fewer intervals at a time"})


def _within_budget(deadline: float) -> None:
    if time.monotonic() > deadline:
        raise ValidationError({"volumes": f"this plan needs more than {STAFFING_BUDGET_SECONDS:g} s of computing: "
                                          "plan fewer intervals at a time, or give callers more patience"})


def _interval(volume, interval_seconds, aht, target, goal, max_occupancy, shrinkage, patience,
              deadline: float) -> dict[str, Any]:
    _within_budget(deadline)
    traffic = erlang.offered_traffic(volume, interval_seconds, aht)
    row = {"volume": volume, "traffic": traffic}
    if traffic == 0:
        return row | {
            "agents": 0,
            "scheduled_agents": 0,
            "service_level": 1.0,
            "p_wait": 0.0,
            "asa_seconds": 0.0,
            "occupancy": 0.0,
            "abandonment": 0.0,
        }
    plan = erlang.agents_needed(traffic, aht, target, goal, max_occupancy, shrinkage)
    if patience is None:
        return row | {
            "agents": plan.agents,
            "scheduled_agents": plan.scheduled_agents,
            "service_level": plan.service_level,
            "p_wait": plan.p_wait,
            "asa_seconds": plan.average_speed_of_answer,
            "occupancy": plan.occupancy,
            "abandonment": 0.0,
        }
    agents, result = _fewest_agents_erlang_a(plan.agents, traffic, aht, patience, target, goal, max_occupancy,
                                             deadline)
    return row | {
        "agents": agents,
        "scheduled_agents": math.ceil(agents / (1.0 - shrinkage) - 1e-9),
        "service_level": result.service_level,
        "p_wait": result.p_wait,
        "asa_seconds": result.mean_wait_seconds,
        "occupancy": result.occupancy,
        "abandonment": result.abandonment,
    }


# ---- simulation ----------------------------------------------------------------------------------

# One request must not hold a worker for minutes: a few seconds of simulation at most. A routing
# decision costs up to the number of idle agents, so the product of contacts and agents is bounded
# too (measured: 200,000 contacts with 2,000 mostly idle agents take a minute).
API_MAX_CONTACTS = 100_000
API_MAX_AGENTS = 2_000
API_MAX_WORK = 10_000_000  # contacts x agents


def run_simulation(
    agents: int | list[int],
    calls_per_interval: float | list[float] | None = None,
    interval_minutes: float = 30,
    aht_seconds: float = 180,
    patience_seconds: float | None = None,
    vip_share: float = 0.2,
    policy: dict[str, Any] | None = None,
    hours: float = 8,
    seed: int = 1,
    target_seconds: float = 20,
    arrivals: list[dict[str, Any]] | None = None,
    max_contacts: int | None = None,
    max_agents: int | None = None,
    max_work: int | None = None,
    tier_mix: dict[str, float] | None = None,
) -> dict[str, Any]:
    """Simulate the center under a routing policy (default: the value policy) and report per tier, overall
    and per interval.

    `agents` is one number for the whole run or a schedule, one number per interval (agents going off
    duty finish the contact in hand). `calls_per_interval` is one number (repeated over `hours`, or over
    the schedule's intervals) or a list (one per interval, `hours` ignored). `arrivals` replays history
    instead: a list of {"seconds": from the start, "tier": ..., "handle_seconds": optional}; then
    `calls_per_interval`, `hours` and `vip_share` are not used. `tier_mix` ({tier: share}, any scale)
    replaces `vip_share`'s VIP and standard callers with callers of those tiers. `max_contacts`,
    `max_agents` and `max_work` (contacts x agents) bound the run (the API passes them, the CLI does not).
    """
    schedule = _schedule(agents, max_agents)
    _check_number("interval_minutes", interval_minutes, low=0, high=24 * 60, low_open=True)
    _check_number("aht_seconds", aht_seconds, low=0, high=24 * 3600, low_open=True)
    _check_number("vip_share", vip_share, low=0, high=1)
    _check_number("seed", seed, low=0, high=2**63, integer=True)
    _check_number("target_seconds", target_seconds, low=0, high=24 * 3600)
    if patience_seconds is not None:
        _check_number("patience_seconds", patience_seconds, low=0, high=24 * 3600, low_open=True)
    routing = _policy(policy)
    interval_seconds = interval_minutes * 60.0
    options = {"patience_seconds": patience_seconds, "target_seconds": target_seconds}
    if arrivals is not None:
        history = _arrivals(arrivals, routing, max_contacts)
        _check_interval_count(max(a.seconds for a in history) / interval_seconds + 1, "arrivals")
        if isinstance(schedule, list) and max(a.seconds for a in history) >= len(schedule) * interval_seconds:
            raise ValidationError(
                {
                    "agents": f"the schedule covers {len(schedule)} intervals; the arrivals "
                    f"run to {max(a.seconds for a in history):g} s"
                }
            )
        _check_work(len(history), schedule, max_work)
        scenario = Scenario.replay(history, interval_seconds, aht_seconds, schedule, **options)
    else:
        volumes = _volumes(calls_per_interval, schedule, hours, interval_minutes)
        _check_interval_count(len(volumes), "interval_minutes")
        if isinstance(schedule, list) and len(schedule) != len(volumes):
            raise ValidationError(
                {
                    "agents": f"{len(schedule)} numbers for {len(volumes)} intervals of "
                    "calls_per_interval; give one per interval"
                }
            )
        if max_contacts is not None and sum(volumes) > max_contacts:
            raise ValidationError(
                {
                    "calls_per_interval": (
                        f"the run would simulate about {sum(volumes):,.0f} contacts; "
                        f"at most {max_contacts:,} per request "
                        "(run larger scenarios with the `guanxi simulate` command)"
                    )
                }
            )
        _check_work(sum(volumes), schedule, max_work)
        mix = {"vip": vip_share, "standard": 1.0 - vip_share} if tier_mix is None else _tier_mix(tier_mix)
        missing = [tier for tier, share in mix.items() if share > 0 and tier not in routing.tier_priority]
        if missing:
            raise ValidationError({"policy": f"tier_priority must give a priority to tiers {', '.join(missing)}"})
        mix = {tier: share for tier, share in mix.items() if share > 0}
        scenario = Scenario(volumes, interval_seconds, aht_seconds, schedule, mix, **options)
    started = time.perf_counter()
    result = simulate(scenario, routing, seed)
    elapsed = time.perf_counter() - started
    rows = {tier: _tier_row(figures) for tier, figures in sorted(result.tiers.items())}
    rows["overall"] = _tier_row(result.overall)
    by_interval = [
        {"agents": on_duty, **_tier_row(figures)}
        for on_duty, figures in zip(scenario.schedule, result.intervals, strict=True)
    ]
    return {
        "tiers": rows,
        "occupancy": result.occupancy,
        "overtime_seconds": result.overtime_seconds,
        "decisions": result.decisions,
        "intervals": len(by_interval),
        "by_interval": by_interval,
        "seconds": elapsed,
    }


def _check_interval_count(count: float, field: str) -> None:
    """Every interval costs memory and a report row: a run is at most ten weeks of 15-minute intervals."""
    if count > MAX_INTERVALS * 10:
        raise ValidationError({field: f"the run would have {count:,.0f} intervals; at most {MAX_INTERVALS * 10:,}"})


def _schedule(agents, max_agents) -> int | list[int]:
    """One number, or one per interval (each may be 0, not all)."""
    high = max_agents or 10**6
    if not isinstance(agents, list | tuple):
        _check_number("agents", agents, low=1, high=high, integer=True)
        return int(agents)
    _check_list("agents", agents, MAX_INTERVALS * 10, high, integer=True)
    if not any(agents):
        raise ValidationError({"agents": "at least one interval needs an agent on duty"})
    return [int(n) for n in agents]


def _volumes(calls_per_interval, schedule, hours, interval_minutes) -> list[float]:
    if isinstance(calls_per_interval, list):
        _check_list("calls_per_interval", calls_per_interval, MAX_INTERVALS * 10, MAX_VOLUME)
        return [float(v) for v in calls_per_interval]
    if calls_per_interval is None:
        raise ValidationError({"calls_per_interval": "give calls per interval, or arrivals to replay"})
    _check_number("calls_per_interval", calls_per_interval, low=0, high=MAX_VOLUME)
    if isinstance(schedule, list):
        count = len(schedule)
    else:
        _check_number("hours", hours, low=0, high=24 * 365, low_open=True)
        count = max(1, round(hours * 60 / interval_minutes))
        _check_interval_count(count, "interval_minutes")  # before the list is built
    return [float(calls_per_interval)] * count


def _arrivals(rows, policy: RoutingPolicy, max_contacts: int | None) -> list[Arrival]:
    """History to replay, checked row by row so the error names the row."""
    if not isinstance(rows, list | tuple) or not rows:
        raise ValidationError({"arrivals": "must be a non-empty list of {seconds, tier, handle_seconds}"})
    if max_contacts is not None and len(rows) > max_contacts:
        raise ValidationError(
            {
                "arrivals": f"{len(rows):,} contacts; at most {max_contacts:,} per request "
                "(replay larger files with the `guanxi simulate` command)"
            }
        )
    history = []
    for i, row in enumerate(rows):
        field = f"arrivals[{i}]"
        if not isinstance(row, dict) or "seconds" not in row:
            raise ValidationError({field: "must give seconds (from the start), tier and optionally handle_seconds"})
        _check_number(f"{field}.seconds", row["seconds"], low=0, high=24 * 3600 * 366)
        tier = row.get("tier", "standard")
        if tier not in policy.tier_priority:
            raise ValidationError(
                {f"{field}.tier": f"{tier!r} is not a tier of the routing policy ({', '.join(policy.tier_priority)})"}
            )
        handle = row.get("handle_seconds")
        if handle is not None:
            _check_number(f"{field}.handle_seconds", handle, low=0, high=24 * 3600, low_open=True)
        history.append(Arrival(float(row["seconds"]), tier, None if handle is None else float(handle)))
    return history


def _tier_mix(mix: Any) -> dict[str, float]:
    if not isinstance(mix, dict) or not mix:
        raise ValidationError({"tier_mix": _("must give each tier a share")})
    for tier, share in mix.items():
        _check_number(f"tier_mix[{tier!r}]", share, low=0, high=1e6)
    if not sum(mix.values()):
        raise ValidationError({"tier_mix": _("at least one tier must have a share above 0")})
    return {tier: float(share) for tier, share in mix.items()}


def _check_work(contacts: float, schedule, max_work: int | None) -> None:
    most = schedule if isinstance(schedule, int) else max(schedule)
    if max_work is not None and contacts * most > max_work:
        raise ValidationError(
            {
                "agents": (
                    f"{most} agents x about {contacts:,.0f} contacts is over the {max_work:,} a request may simulate; "
                    "use fewer agents or a shorter run, or the `guanxi simulate` command"
                )
            }
        )


def _tier_row(figures) -> dict[str, Any]:
    def finite(x):
        return None if math.isnan(x) else x

    return {
        "offered": figures.offered,
        "answered": figures.answered,
        "abandoned": figures.abandoned,
        "service_level": finite(figures.service_level),
        "asa_seconds": finite(figures.average_speed_of_answer),
        "abandonment": finite(figures.abandonment),
    }


def _policy(data: dict[str, Any] | None) -> RoutingPolicy:
    if data is None:
        return default_policy()
    try:
        return RoutingPolicy.from_dict(data, skills_named_in(data))
    except ValueError as exc:
        raise ValidationError({"policy": str(exc)}) from exc


def skills_named_in(data: Any) -> set[str]:
    """The simulator's agents have no skills; a policy may still name some (its fallback, its rings)."""
    names: set[str] = set()
    if isinstance(data, dict):
        fallback = data.get("fallback")
        if isinstance(fallback, dict) and isinstance(fallback.get("skills"), dict):
            names |= set(fallback["skills"])
        for step in data.get("expansion_steps") or []:
            if isinstance(step, dict) and isinstance(step.get("drop_skills"), list):
                names |= {s for s in step["drop_skills"] if isinstance(s, str)}
    return names



# ---- helpers -------------------------------------------------------------------------------------


def _check_number(field, value, low=None, high=None, low_open=False, high_open=False, integer=False) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValidationError({field: f"must be a number, got {value!r}"})
    if integer and value != int(value):
        raise ValidationError({field: f"must be a whole number, got {value!r}"})
    if low is not None and (value < low or (low_open and value == low)):
        raise ValidationError({field: f"must be {'more than' if low_open else 'at least'} {low:g}, got {value:g}"})
    if high is not None and (value > high or (high_open and value == high)):
        raise ValidationError({field: f"must be {'less than' if high_open else 'at most'} {high:g}, got {value:g}"})


def _check_list(field, values, max_items, max_value, integer=False) -> None:
    if not isinstance(values, list | tuple) or not values:
        raise ValidationError({field: "must be a non-empty list of numbers"})
    if len(values) > max_items:
        raise ValidationError({field: f"at most {max_items} intervals, got {len(values)}"})
    for i, value in enumerate(values):
        try:
            _check_number(field, value, low=0, high=max_value, integer=integer)
        except ValidationError as exc:
            raise ValidationError({f"{field}[{i}]": exc.message_dict[field]}) from exc
