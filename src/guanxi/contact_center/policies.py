"""The routing policies Guanxi ships, as plain data (no Django): the default for the CLI, the API,
the database claim and the benchmark, and FIFO to compare it with.

VALUE: a VIP jumps ahead of standard callers unless they have waited 5 minutes longer, so priority
never starves the standard tier (aging 1 point per second). Measured in bench/routing.py.
"""

from __future__ import annotations

from typing import Any

from .routing import RoutingPolicy

FIFO: dict[str, Any] = {
    "tier_priority": {"vip": 0, "standard": 0},
    "aging_weight": 1,
    "fallback": {"action": "voicemail"},
}
VALUE: dict[str, Any] = {
    "tier_priority": {"vip": 300, "standard": 0},
    "aging_weight": 1,
    "fallback": {"action": "voicemail"},
}


def default_policy() -> RoutingPolicy:
    return RoutingPolicy.from_dict(VALUE, known_skills=())
