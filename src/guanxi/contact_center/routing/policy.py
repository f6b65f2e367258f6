"""The routing policy, declared as data a supervisor can read and edit.

Example (JSON)::

    {
      "tier_priority": {"vip": 60, "gold": 20, "standard": 0},
      "value_weight": 0.0,
      "aging_weight": 1.0,
      "expansion_steps": [
        {"after_seconds": 30, "min_proficiency": 2},
        {"after_seconds": 60, "drop": ["language"]},
        {"after_seconds": 120, "drop": ["region"], "drop_skills": ["warranty"]}
      ],
      "preferred_agent_window_seconds": 20,
      "agent_choice": "longest_idle",
      "reservation_timeout_seconds": 15,
      "fallback": {"action": "reroute", "skills": {"general": 1}}
    }

A contact's score is ``tier_priority + value_weight * value + aging_weight * seconds
waited``: with the numbers above a VIP goes ahead of standard callers unless they
have waited 60 s longer, so priority never starves the standard tier. Expansion
steps are cumulative rings (Genesys' bullseye, Amazon Connect's step expiry): each
one widens the set of agents who may take the contact.

With ``"service_level_target_seconds": 20`` the policy knows the service-level target:
contacts that can still be answered in time (waited less than 20 s) go before those
already past it, and the score orders each group. A contact past the target has missed
it whatever happens next, so serving first those who can still make it raises the
service level, at the price of a longer wait for the ones already late (absent or
null: one group, the score alone).
"""

from __future__ import annotations

import bisect
import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .model import MAX_PROFICIENCY, MIN_PROFICIENCY, Requirement

AGENT_CHOICES = ("longest_idle", "best_proficiency", "fewest_today")
FALLBACK_ACTIONS = ("reroute", "voicemail")
DROPPABLE = ("language", "region")
_POLICY_FIELDS = {
    "tier_priority", "value_weight", "aging_weight", "expansion_steps", "preferred_agent_window_seconds",
    "agent_choice", "reservation_timeout_seconds", "fallback", "service_level_target_seconds",
}
_STEP_FIELDS = {"after_seconds", "min_proficiency", "drop", "drop_skills"}


@dataclass(frozen=True)
class ExpansionStep:
    """One bullseye ring: from ``after_seconds`` of waiting, relax the requirement."""

    after_seconds: float
    min_proficiency: int | None = None
    drop_language: bool = False
    drop_region: bool = False
    drop_skills: frozenset[str] = frozenset()

    def relax(self, requirement: Requirement) -> Requirement:
        cap = self.min_proficiency or MAX_PROFICIENCY
        return Requirement(
            channel=requirement.channel,
            skills=tuple((s, min(level, cap)) for s, level in requirement.skills if s not in self.drop_skills),
            language=None if self.drop_language else requirement.language,
            region=None if self.drop_region else requirement.region,
        )


@dataclass(frozen=True)
class Fallback:
    """What happens to a contact no agent on the roster can serve even at the widest ring."""

    action: str
    skills: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class FallbackDecision:
    """What to do with a contact nobody can serve at its widest ring: reroute it with ``requirement``
    (the fallback skills on the same channel) or send it to voicemail (``requirement`` None)."""

    action: str
    requirement: Requirement | None
    reason: str


@dataclass(frozen=True)
class RoutingPolicy:
    tier_priority: Mapping[str, float]
    aging_weight: float
    fallback: Fallback
    value_weight: float = 0.0
    expansion_steps: tuple[ExpansionStep, ...] = ()
    preferred_agent_window_seconds: float = 0.0
    agent_choice: str = "longest_idle"
    reservation_timeout_seconds: float = 15.0
    service_level_target_seconds: float | None = None  # None: no target, the score alone orders contacts
    _step_starts: tuple[float, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_step_starts", tuple(step.after_seconds for step in self.expansion_steps))

    @classmethod
    def from_json(cls, text: str, known_skills: Iterable[str]) -> RoutingPolicy:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"policy is not valid JSON: {exc}") from exc
        return cls.from_dict(data, known_skills)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], known_skills: Iterable[str]) -> RoutingPolicy:
        """Validate everything up front, so a bad policy fails when saved, not mid-shift."""
        known = frozenset(known_skills)
        if not isinstance(data, Mapping):
            raise ValueError("policy must be an object")
        _reject_unknown_fields("policy", data, _POLICY_FIELDS)
        for required in ("tier_priority", "aging_weight", "fallback"):
            if required not in data:
                raise ValueError(f"{required} is required")
        tiers = data["tier_priority"]
        if not isinstance(tiers, Mapping) or not tiers:
            raise ValueError("tier_priority must map each customer tier to a number")
        choice = data.get("agent_choice", "longest_idle")
        if choice not in AGENT_CHOICES:
            raise ValueError(f"agent_choice must be one of {', '.join(AGENT_CHOICES)}, got {choice!r}")
        return cls(
            tier_priority={tier: _number(f"tier_priority[{tier!r}]", p, minimum=None) for tier, p in tiers.items()},
            aging_weight=_number("aging_weight", data["aging_weight"]),
            value_weight=_number("value_weight", data.get("value_weight", 0.0)),
            expansion_steps=_parse_steps(data.get("expansion_steps", []), known),
            preferred_agent_window_seconds=_number(
                "preferred_agent_window_seconds", data.get("preferred_agent_window_seconds", 0.0)
            ),
            agent_choice=choice,
            reservation_timeout_seconds=_number(
                "reservation_timeout_seconds", data.get("reservation_timeout_seconds", 15.0), positive=True
            ),
            fallback=_parse_fallback(data["fallback"], known),
            service_level_target_seconds=_optional_number(
                "service_level_target_seconds", data.get("service_level_target_seconds"), positive=True
            ),
        )

    def priority(self, tier: str, value: float) -> float:
        """The part of a contact's score fixed at arrival: its tier's priority plus its value bonus."""
        return self.tier_priority[tier] + self.value_weight * value

    def score(self, tier: str, value: float, waited_seconds: float) -> float:
        """A waiting contact's score; the highest is served first (within the target group, see ``rank``).
        The one formula every router uses: the in-memory engine orders its heaps by it and the database
        claim (contact_center.services) ranks its candidates by it."""
        return self.priority(tier, value) + self.aging_weight * waited_seconds

    def past_target(self, waited_seconds: float) -> bool:
        """Whether a contact that has waited this long can no longer be answered within the service-level
        target (never, for a policy without one)."""
        target = self.service_level_target_seconds
        return target is not None and waited_seconds >= target

    def rank(self, tier: str, value: float, waited_seconds: float) -> tuple[bool, float]:
        """Sort key of a waiting contact, smallest served first: those still within the target before those
        past it, the higher score first within each. The database claim sorts by it; the in-memory engine
        keeps the same order in its heaps (see routing.engine)."""
        return self.past_target(waited_seconds), -self.score(tier, value, waited_seconds)

    def step_at(self, waited_seconds: float) -> int:
        """Index of the ring a contact is in after waiting this long (0: as asked)."""
        return bisect.bisect_right(self._step_starts, waited_seconds)

    def ladder(self, requirement: Requirement) -> tuple[Requirement, ...]:
        """The requirement at each ring, from as-asked to widest."""
        rings = [requirement]
        for step in self.expansion_steps:
            rings.append(step.relax(rings[-1]))
        return tuple(rings)

    def fallback_for(self, requirement: Requirement,
                     anyone_meets: Callable[[Requirement], bool]) -> FallbackDecision | None:
        """None if some agent can serve the contact at its widest ring, else what the policy's fallback does.

        The one place this rule lives, so the in-memory engine (its rings' eligible sets) and the database
        claim (the agents' rows) cannot drift apart; each only says who is on its roster through
        ``anyone_meets``, asked about the widest ring of a ladder.
        """
        widest = self.ladder(requirement)[-1]
        if anyone_meets(widest):
            return None
        reason = f"no agent on the roster meets {widest.describe()}, even at the widest ring"
        if self.fallback.action == "reroute":
            rerouted = Requirement(requirement.channel, self.fallback.skills)
            if anyone_meets(self.ladder(rerouted)[-1]):
                return FallbackDecision("reroute", rerouted, reason)
            reason += "; nobody meets the fallback skills either"
        return FallbackDecision("voicemail", None, reason)


def _parse_steps(raw: Any, known: frozenset[str]) -> tuple[ExpansionStep, ...]:
    if not isinstance(raw, list):
        raise ValueError("expansion_steps must be a list")
    steps: list[ExpansionStep] = []
    for i, item in enumerate(raw):
        where = f"expansion_steps[{i}]"
        if not isinstance(item, Mapping):
            raise ValueError(f"{where} must be an object")
        _reject_unknown_fields(where, item, _STEP_FIELDS)
        if "after_seconds" not in item:
            raise ValueError(f"{where}.after_seconds is required")
        after = _number(f"{where}.after_seconds", item["after_seconds"])
        if steps and after <= steps[-1].after_seconds:
            raise ValueError(f"{where}.after_seconds must be later than the step before it")
        level = item.get("min_proficiency")
        if level is not None and (not isinstance(level, int) or not MIN_PROFICIENCY <= level <= MAX_PROFICIENCY):
            raise ValueError(f"{where}.min_proficiency must be from {MIN_PROFICIENCY} to {MAX_PROFICIENCY}")
        drop = _string_list(f"{where}.drop", item.get("drop", []))
        for name in drop:
            if name not in DROPPABLE:
                raise ValueError(f"{where}.drop: {name!r} is not one of {', '.join(DROPPABLE)}")
        drop_skills = _string_list(f"{where}.drop_skills", item.get("drop_skills", []))
        _require_known_skills(f"{where}.drop_skills", drop_skills, known)
        steps.append(ExpansionStep(after, level, "language" in drop, "region" in drop, frozenset(drop_skills)))
    return tuple(steps)


def _parse_fallback(raw: Any, known: frozenset[str]) -> Fallback:
    if not isinstance(raw, Mapping) or raw.get("action") not in FALLBACK_ACTIONS:
        raise ValueError(f"fallback.action must be one of {', '.join(FALLBACK_ACTIONS)}")
    _reject_unknown_fields("fallback", raw, {"action", "skills"})
    if raw["action"] == "voicemail":
        return Fallback("voicemail")
    skills = raw.get("skills")
    if not isinstance(skills, Mapping) or not skills:
        raise ValueError("fallback.skills must name the skills a rerouted contact needs, e.g. {'general': 1}")
    _require_known_skills("fallback.skills", skills, known)
    for skill, level in skills.items():
        if not isinstance(level, int) or not MIN_PROFICIENCY <= level <= MAX_PROFICIENCY:
            raise ValueError(f"fallback.skills[{skill!r}] must be from {MIN_PROFICIENCY} to {MAX_PROFICIENCY}")
    return Fallback("reroute", tuple(sorted(skills.items())))


def _number(field: str, value: Any, minimum: float | None = 0.0, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{field} must be a number, got {value!r}")
    if positive and value <= 0:
        raise ValueError(f"{field} must be more than 0, got {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{field} must not be negative, got {value!r}")
    return float(value)


def _optional_number(field: str, value: Any, positive: bool = False) -> float | None:
    return None if value is None else _number(field, value, positive=positive)


def _string_list(field: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{field} must be a list of names")
    return value


def _require_known_skills(field: str, names: Iterable[str], known: frozenset[str]) -> None:
    unknown = sorted(set(names) - known)
    if unknown:
        raise ValueError(f"{field} names unknown skills: {', '.join(unknown)}")


def _reject_unknown_fields(where: str, data: Mapping[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValueError(f"{where} has unknown fields: {', '.join(unknown)} (allowed: {', '.join(sorted(allowed))})")
