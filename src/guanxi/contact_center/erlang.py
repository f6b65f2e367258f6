"""Staffing formulas: Erlang C (callers wait forever) and Erlang A (callers give up).

Everything is computed from the offered traffic in Erlang (calls per second x mean
handle time in seconds). Erlang B comes from its recursion
``B(k) = A·B(k-1) / (k + A·B(k-1))``, which never forms ``A**n`` or ``n!`` and so
stays exact for thousands of agents; Erlang C follows from it in closed form.

Erlang A (the M/M/n+M queue) uses the birth-death chain directly: its stationary
distribution is built in log space and truncated where the tail is below 1e-18 of
the peak, and the waiting time of an arriving caller is obtained by uniformising
the pure-death chain of "callers still ahead of me" (see ``_answered_within``).
Both are exact up to that truncation, so the result can be checked to many
decimals against the incomplete-gamma formulas of Garnett, Mandelbaum & Reiman
(2002) without needing scipy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

_LOG_TAIL = math.log(1e-18)


def offered_traffic(calls: float, interval_seconds: float, aht_seconds: float) -> float:
    """Traffic in Erlang: the mean number of agents the calls would keep busy."""
    _require_non_negative("calls", calls)
    _require_positive("interval_seconds", interval_seconds)
    _require_positive("aht_seconds", aht_seconds)
    return calls * aht_seconds / interval_seconds


def erlang_b(agents: int, traffic: float) -> float:
    """Blocking probability of a loss system; the building block of Erlang C."""
    _require_agents(agents)
    _require_non_negative("traffic", traffic)
    blocking = 1.0
    for k in range(1, agents + 1):
        blocking = traffic * blocking / (k + traffic * blocking)
    return blocking


def erlang_c(agents: int, traffic: float) -> float:
    """Probability that a caller has to wait at all (P(wait))."""
    _require_stable(agents, traffic)
    blocking = erlang_b(agents, traffic)
    return agents * blocking / (agents - traffic * (1.0 - blocking))


def service_level(agents: int, traffic: float, aht_seconds: float, target_seconds: float) -> float:
    """Share of callers answered within ``target_seconds`` under Erlang C."""
    _require_positive("aht_seconds", aht_seconds)
    _require_non_negative("target_seconds", target_seconds)
    p_wait = erlang_c(agents, traffic)
    return 1.0 - p_wait * math.exp(-(agents - traffic) * target_seconds / aht_seconds)


def average_speed_of_answer(agents: int, traffic: float, aht_seconds: float) -> float:
    """Mean wait in seconds over all callers (those answered at once count 0)."""
    _require_positive("aht_seconds", aht_seconds)
    return erlang_c(agents, traffic) * aht_seconds / (agents - traffic)


def occupancy(agents: int, traffic: float) -> float:
    """Share of agents' time spent handling calls."""
    _require_stable(agents, traffic)
    return traffic / agents


@dataclass(frozen=True)
class Staffing:
    """What a supervisor needs for one interval: heads on the phones and on the rota."""

    agents: int
    scheduled_agents: int
    service_level: float
    p_wait: float
    average_speed_of_answer: float
    occupancy: float


def agents_needed(
    traffic: float,
    aht_seconds: float,
    target_seconds: float,
    target_service_level: float,
    max_occupancy: float = 1.0,
    shrinkage: float = 0.0,
) -> Staffing:
    """Fewest agents meeting the service level without exceeding the occupancy cap.

    Shrinkage (breaks, training, absence) is applied afterwards: the rota needs
    ``agents / (1 - shrinkage)`` people so that ``agents`` are on the phones.
    """
    _require_non_negative("traffic", traffic)
    _require_positive("aht_seconds", aht_seconds)
    _require_non_negative("target_seconds", target_seconds)
    _require_fraction("target_service_level", target_service_level, allow_one=False)
    _require_fraction("max_occupancy", max_occupancy, allow_zero=False)
    _require_fraction("shrinkage", shrinkage, allow_one=False)
    agents = max(1, math.floor(traffic) + 1, math.ceil(traffic / max_occupancy))
    while service_level(agents, traffic, aht_seconds, target_seconds) < target_service_level:
        agents += 1
    return Staffing(
        agents=agents,
        scheduled_agents=math.ceil(agents / (1.0 - shrinkage) - 1e-9),
        service_level=service_level(agents, traffic, aht_seconds, target_seconds),
        p_wait=erlang_c(agents, traffic),
        average_speed_of_answer=average_speed_of_answer(agents, traffic, aht_seconds),
        occupancy=occupancy(agents, traffic),
    )


@dataclass(frozen=True)
class ErlangA:
    """Steady state of the M/M/n+M queue (exponential patience).

    ``service_level`` counts callers answered within the target among all callers,
    abandoned ones included (those who hang up before the target count as missed).
    ``mean_wait_seconds`` is the mean time in queue of all callers, answered or not.
    """

    p_wait: float
    service_level: float
    abandonment: float
    mean_wait_seconds: float
    occupancy: float


def erlang_a(
    agents: int, traffic: float, aht_seconds: float, patience_seconds: float, target_seconds: float
) -> ErlangA:
    """Erlang A: unlike Erlang C it stays meaningful when traffic exceeds the agents."""
    _require_agents(agents)
    _require_non_negative("traffic", traffic)
    _require_positive("aht_seconds", aht_seconds)
    _require_positive("patience_seconds", patience_seconds)
    _require_non_negative("target_seconds", target_seconds)
    service_rate = 1.0 / aht_seconds
    abandon_rate = 1.0 / patience_seconds
    arrival_rate = traffic * service_rate
    in_system = _mmn_m_distribution(agents, arrival_rate, service_rate, abandon_rate)
    waiting = in_system[agents:]  # waiting[j]: all agents busy and j callers queued
    p_wait = sum(waiting)
    mean_queue = sum(j * p for j, p in enumerate(waiting))
    abandonment = abandon_rate * mean_queue / arrival_rate if arrival_rate else 0.0
    answered_late = _answered_within(waiting, agents * service_rate, abandon_rate, target_seconds)
    return ErlangA(
        p_wait=p_wait,
        service_level=(1.0 - p_wait) + answered_late,
        abandonment=abandonment,
        mean_wait_seconds=mean_queue / arrival_rate if arrival_rate else 0.0,
        occupancy=traffic * (1.0 - abandonment) / agents,
    )


def _mmn_m_distribution(agents: int, arrival_rate: float, service_rate: float, abandon_rate: float) -> list[float]:
    """Stationary P(k callers in system), truncated once the tail is negligible."""
    logs = [0.0]
    peak = 0.0
    k = 0
    while True:
        k += 1
        departure_rate = min(k, agents) * service_rate + max(k - agents, 0) * abandon_rate
        if arrival_rate == 0.0:
            break
        logs.append(logs[-1] + math.log(arrival_rate / departure_rate))
        peak = max(peak, logs[-1])
        decreasing = k > agents and arrival_rate < departure_rate
        if decreasing and logs[-1] < peak + _LOG_TAIL:
            break
    weights = [math.exp(x - peak) for x in logs]
    while len(weights) <= agents:  # no traffic: keep the "all busy" index valid
        weights.append(0.0)
    total = sum(weights)
    return [w / total for w in weights]


def _answered_within(waiting: list[float], all_busy_rate: float, abandon_rate: float, target: float) -> float:
    """P(a caller finds everyone busy, keeps waiting and is answered by ``target``).

    A caller who finds ``j`` others queued moves to the front as those ahead are
    served (rate ``n·mu``) or give up (``i·theta`` with ``i`` ahead), and gives up
    herself at rate ``theta``. Uniformisation turns this small continuous-time
    chain into Poisson-weighted steps of a discrete one, computed exactly.
    """
    if target == 0.0 or not waiting:
        return 0.0
    ahead = list(waiting)
    leave_rates = [all_busy_rate + i * abandon_rate for i in range(len(ahead))]
    uniform_rate = leave_rates[-1] + abandon_rate
    mean_steps = uniform_rate * target
    last_step = mean_steps + 12.0 * math.sqrt(mean_steps) + 30.0  # Poisson tail beyond: < 1e-20
    answered = 0.0
    result = 0.0
    poisson_mass = 0.0
    step = 0
    while step <= last_step:
        weight = math.exp(step * math.log(mean_steps) - mean_steps - math.lgamma(step + 1))
        result += weight * answered
        poisson_mass += weight
        if sum(ahead) < 1e-16:  # everyone has left the queue: later steps add nothing new
            return result + max(0.0, 1.0 - poisson_mass) * answered
        answered += ahead[0] * all_busy_rate / uniform_rate
        ahead = [
            ahead[i] * (1.0 - (leave_rates[i] + abandon_rate) / uniform_rate)
            + (ahead[i + 1] * leave_rates[i + 1] / uniform_rate if i + 1 < len(ahead) else 0.0)
            for i in range(len(ahead))
        ]
        step += 1
    return result


def _require_agents(agents: int) -> None:
    if isinstance(agents, bool) or not isinstance(agents, int) or agents < 1:
        raise ValueError(f"agents must be a whole number of at least 1, got {agents!r}")


def _require_stable(agents: int, traffic: float) -> None:
    _require_agents(agents)
    _require_non_negative("traffic", traffic)
    if traffic >= agents:
        raise ValueError(
            f"traffic {traffic:g} Erlang needs more than {agents} agents: with agents <= traffic the "
            "Erlang C queue grows without end (no steady state). Add agents, or use erlang_a, "
            "where abandonment keeps the queue finite."
        )


def _require_positive(field: str, value: float) -> None:
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"{field} must be a positive number, got {value!r}")


def _require_non_negative(field: str, value: float) -> None:
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{field} must be zero or more, got {value!r}")


def _require_fraction(field: str, value: float, allow_zero: bool = True, allow_one: bool = True) -> None:
    low_ok = value > 0 or (allow_zero and value == 0)
    high_ok = value < 1 or (allow_one and value == 1)
    if not (math.isfinite(value) and low_ok and high_ok):
        low = "0" if allow_zero else "more than 0"
        high = "1" if allow_one else "less than 1"
        raise ValueError(f"{field} must be between {low} and {high}, got {value!r}")
