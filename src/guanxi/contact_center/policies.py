"""The routing policies Guanxi ships, as plain data (no Django): the default for the CLI, the API,
the database claim and the benchmark, FIFO to compare it with, and the SLA-aware policy.

Every policy gives a priority to each customer tier (`TIERS`, the values of
`guanxi.customers.models.Tier`, checked by a test): a queued contact takes its customer's tier, and
a tier the policy did not know would never be claimed.

VALUE: priorities are seconds of waiting: a VIP jumps ahead of standard callers unless they have
waited 5 minutes longer, a gold customer 3 minutes, a silver one 1 minute, so priority never starves
the standard tier (aging 1 point per second).

SLA_AWARE: VALUE that knows the 20 s service-level target: contacts that can still be answered in
time go first (VIPs first among them, then the longest waiting), those already past 20 s after them.
It answers more contacts within 20 s in both tiers than strict priority, at the price of a longer
tail in both (those already late wait behind those still in time). All three are measured in
bench/routing.py.
"""

from __future__ import annotations

from typing import Any

from .routing import RoutingPolicy

# The customer tiers (guanxi.customers.models.Tier), highest first.
TIERS = ("vip", "gold", "silver", "standard")

FIFO: dict[str, Any] = {
    "tier_priority": dict.fromkeys(TIERS, 0),
    "aging_weight": 1,
    "fallback": {"action": "voicemail"},
}
VALUE: dict[str, Any] = {
    "tier_priority": {"vip": 300, "gold": 180, "silver": 60, "standard": 0},
    "aging_weight": 1,
    "fallback": {"action": "voicemail"},
}
SLA_AWARE: dict[str, Any] = {
    **VALUE,
    "service_level_target_seconds": 20,
}


def default_policy() -> RoutingPolicy:
    return RoutingPolicy.from_dict(VALUE, known_skills=())
