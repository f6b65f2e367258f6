"""The things the routing engine reasons about: contacts, agents and what a contact needs.

Plain data, so the same engine runs inside a web request, a background worker, the
simulator and the benchmark.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field

MIN_PROFICIENCY = 1
MAX_PROFICIENCY = 5
# The contact channels: how a customer reaches the center, what an agent has capacity on and what a
# contact's requirement names (contact_center.models.ContactChannel gives them their labels).
CHANNELS = ("voice", "email", "chat", "sms", "wechat")
_CHANNELS = frozenset(CHANNELS)


class AgentState(str, enum.Enum):
    """Presence as the desktop shows it; only AVAILABLE and BUSY agents take new work."""

    OFFLINE = "offline"
    AVAILABLE = "available"
    BUSY = "busy"  # handling at least one contact, may still have room on a channel
    AFTER_CALL_WORK = "acw"
    BREAK = "break"


ROUTABLE_STATES = frozenset({AgentState.AVAILABLE, AgentState.BUSY})


@dataclass
class Contact:
    """A call, chat, email or message waiting for an agent.

    ``skills`` maps each required skill to the minimum proficiency (1-5) asked for
    at first; the policy's expansion steps relax it while the contact waits.
    """

    id: str
    channel: str
    arrival: float
    skills: dict[str, int] = field(default_factory=dict)
    language: str | None = None
    region: str | None = None
    tier: str = "standard"
    value: float = 0.0
    preferred_agent_id: str | None = None

    def __post_init__(self) -> None:
        if self.channel not in _CHANNELS:
            raise ValueError(f"contact {self.id} channel must be one of {', '.join(CHANNELS)}, got {self.channel!r}")
        _check_proficiencies(f"contact {self.id} skills", self.skills)
        if not math.isfinite(self.arrival):
            raise ValueError(f"contact {self.id} arrival must be a finite time, got {self.arrival!r}")


@dataclass
class Agent:
    """A person who can take contacts on some channels, up to a capacity on each."""

    id: str
    skills: dict[str, int]
    capacity: dict[str, int]
    languages: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    state: AgentState = AgentState.OFFLINE
    load: dict[str, int] = field(default_factory=dict)
    last_assignment_time: float = -math.inf
    contacts_today: int = 0

    def __post_init__(self) -> None:
        _check_proficiencies(f"agent {self.id} skills", self.skills)
        for channel, slots in self.capacity.items():
            if channel not in _CHANNELS:
                raise ValueError(f"agent {self.id} capacity: {channel!r} is not a channel ({', '.join(CHANNELS)})")
            if isinstance(slots, bool) or not isinstance(slots, int) or slots < 0:
                raise ValueError(f"agent {self.id} capacity[{channel!r}] must be a whole number >= 0, got {slots!r}")
        self.languages = frozenset(self.languages)
        self.regions = frozenset(self.regions)
        self.state = AgentState(self.state)

    def has_room(self, channel: str) -> bool:
        return self.state in ROUTABLE_STATES and self.load.get(channel, 0) < self.capacity.get(channel, 0)

    def is_idle(self) -> bool:
        return not any(self.load.values())


@dataclass(frozen=True)
class Requirement:
    """What an agent must have to take a contact at one expansion step.

    Frozen and hashable: contacts with the same requirement share one queue, and the
    set of agents meeting it is computed once per requirement, not per decision.
    """

    channel: str
    skills: tuple[tuple[str, int], ...]
    language: str | None = None
    region: str | None = None

    def is_met_by(self, agent: Agent) -> bool:
        return (
            agent.capacity.get(self.channel, 0) > 0
            and all(agent.skills.get(skill, 0) >= level for skill, level in self.skills)
            and (self.language is None or self.language in agent.languages)
            and (self.region is None or self.region in agent.regions)
        )

    def describe(self) -> str:
        parts = [self.channel] + [f"{skill}>={level}" for skill, level in self.skills]
        if self.language:
            parts.append(f"language={self.language}")
        if self.region:
            parts.append(f"region={self.region}")
        return ", ".join(parts)


def _check_proficiencies(owner: str, skills: dict[str, int]) -> None:
    for skill, level in skills.items():
        if isinstance(level, bool) or not isinstance(level, int) or not MIN_PROFICIENCY <= level <= MAX_PROFICIENCY:
            raise ValueError(
                f"{owner}[{skill!r}] must be a proficiency from {MIN_PROFICIENCY} to {MAX_PROFICIENCY}, got {level!r}"
            )
